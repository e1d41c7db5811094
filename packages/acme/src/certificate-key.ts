import { generateKeyPair } from 'node:crypto';

/** Key types of certificate (and account) keys. */
export type KeyType = 'ec256' | 'ec384' | 'rsa2048' | 'rsa4096';

/** The key types `obtainCertificate` accepts as `keyType`; `ec256`, the default, first. */
export const KEY_TYPES: readonly KeyType[] = ['ec256', 'ec384', 'rsa2048', 'rsa4096'];

/** Generates a private key as PKCS#8 PEM (the form acme-client's CSR code imports). */
export async function generatePrivateKeyPem(keyType: KeyType): Promise<string> {
  const encoding = {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  } as const;
  const done =
    (resolve: (pem: string) => void, reject: (error: Error) => void) =>
    (error: Error | null, _publicKey: string, privateKey: string) =>
      error ? reject(error) : resolve(privateKey);

  return new Promise((resolve, reject) => {
    if (keyType === 'ec256' || keyType === 'ec384') {
      const namedCurve = keyType === 'ec256' ? 'P-256' : 'P-384';
      generateKeyPair('ec', { namedCurve, ...encoding }, done(resolve, reject));
      return;
    }
    const modulusLength = keyType === 'rsa2048' ? 2048 : 4096;
    generateKeyPair('rsa', { modulusLength, ...encoding }, done(resolve, reject));
  });
}
