import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { CertificateError } from './errors.js';

/** What a certificate chain says about itself, read with `X509Certificate`. */
export interface CertificateInfo {
  /** DNS and IP names of the leaf (subject alternative names), lowercase; IPv6 as `[::1]`. */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** Serial number, uppercase hex as OpenSSL prints it. */
  serial: string;
  /** SHA-256 fingerprint of the leaf. */
  fingerprint256: string;
  /** The leaf certificate, for callers that need more. */
  leaf: X509Certificate;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Parses a PEM chain (leaf first). Throws `CertificateError` `INVALID_CERTIFICATE`
 * naming `source` when the text holds no parsable certificate.
 */
export function parseCertificateChain(chainPem: string, source: string): CertificateInfo {
  const blocks = chainPem.match(PEM_CERTIFICATE);
  if (blocks === null) {
    throw new CertificateError('INVALID_CERTIFICATE', `${source}: no PEM certificate found`, {
      source,
    });
  }

  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0] as string);
    for (const block of blocks.slice(1)) new X509Certificate(block);
  } catch (error) {
    throw new CertificateError('INVALID_CERTIFICATE', `${source}: corrupt certificate`, {
      cause: error,
      source,
    });
  }

  return {
    names: namesOf(leaf),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serial: leaf.serialNumber.toUpperCase(),
    fingerprint256: leaf.fingerprint256,
    leaf,
  };
}

/**
 * Parses a PEM private key and checks that it belongs to `leaf`. Throws
 * `CertificateError` `INVALID_PRIVATE_KEY` or `KEY_MISMATCH` naming `source`.
 */
export function parsePrivateKey(keyPem: string, leaf: X509Certificate, source: string) {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new CertificateError('INVALID_PRIVATE_KEY', `${source}: corrupt private key`, {
      cause: error,
      source,
    });
  }

  if (!leaf.checkPrivateKey(key)) {
    throw new CertificateError(
      'KEY_MISMATCH',
      `${source}: the private key does not belong to the certificate`,
      { source },
    );
  }

  return { key, keyType: keyTypeOf(key) };
}

/** A short key type name: `ec-p256`, `ec-p384`, `rsa-2048`, `ed25519`, ... */
export function keyTypeOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'ec':
      return `ec-${curveName(details?.namedCurve)}`;
    case 'rsa':
    case 'rsa-pss':
      return `${key.asymmetricKeyType}-${details?.modulusLength ?? 'unknown'}`;
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

function curveName(curve: string | undefined): string {
  if (curve === 'prime256v1') return 'p256';
  if (curve === 'secp384r1') return 'p384';
  if (curve === 'secp521r1') return 'p521';
  return curve ?? 'unknown';
}

/** The leaf's DNS and IP alternative names; its common name when it has none. */
function namesOf(leaf: X509Certificate): string[] {
  const names: string[] = [];
  for (const entry of splitAltNames(leaf.subjectAltName ?? '')) {
    const match = /^(DNS|IP Address):(.*)$/.exec(entry);
    if (match === null) continue;
    const value = unquote(match[2] as string).toLowerCase();
    names.push(match[1] === 'IP Address' && value.includes(':') ? bracketIpv6(value) : value);
  }

  if (names.length > 0) return names;
  const commonName = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
  return commonName === undefined ? [] : [commonName.toLowerCase()];
}

/** Splits Node's `subjectAltName` text; values with `,` or `"` come JSON-quoted. */
function splitAltNames(text: string): string[] {
  return text.match(/[^,"\s][^,"]*?"(?:[^"\\]|\\.)*"|[^,\s][^,]*/g) ?? [];
}

/** `0:0:0:0:0:0:0:1` as a Host header or normalizeHost writes it: `[::1]`. */
function bracketIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname;
  } catch {
    return address;
  }
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;

  try {
    return JSON.parse(value) as string;
  } catch {
    return value;
  }
}
