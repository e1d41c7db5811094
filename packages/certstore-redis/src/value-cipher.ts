import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/** The `encryption` field written next to an encrypted value. */
export const ENCRYPTION_SCHEME = 'aes-256-gcm-scrypt-v1';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const MIN_SECRET_LENGTH = 16;

/**
 * The key is derived once with scrypt (N=2^15, r=8, p=1) from the configured secret and a
 * fixed, versioned salt: a long random secret gains nothing from a salt, and a fixed one
 * lets every instance derive the same key without storing anything next to the data.
 */
const KDF_SALT = 'nexo/certstore-redis/value-key/v1';
const KDF_PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Encrypts and decrypts values with AES-256-GCM, binding each one to its storage key. */
export interface ValueCipher {
  /** Layout: version byte, 12-byte IV, 16-byte tag, ciphertext. */
  encrypt(storageKey: string, plaintext: Uint8Array): Buffer;
  /** Throws when the value was changed, moved to another key, or sealed with another key. */
  decrypt(storageKey: string, sealed: Buffer): Buffer;
}

/**
 * Derives the value key from `secret`. Throws a `RangeError` for a secret shorter than
 * 16 characters: generate one with `openssl rand -base64 32`.
 */
export function createValueCipher(secret: string): ValueCipher {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RangeError(
      `encryption key is too short (${secret.length} characters); use at least ` +
        `${MIN_SECRET_LENGTH}, for example the output of "openssl rand -base64 32"`,
    );
  }
  const key = scryptSync(secret, KDF_SALT, 32, KDF_PARAMS);

  return {
    encrypt: (storageKey, plaintext) => encrypt(key, storageKey, plaintext),
    decrypt: (storageKey, sealed) => decrypt(key, storageKey, sealed),
  };
}

function encrypt(key: Buffer, storageKey: string, plaintext: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(storageKey, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);

  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, storageKey: string, sealed: Buffer): Buffer {
  if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) {
    throw new Error('sealed value is truncated or has an unknown version');
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(storageKey, 'utf8'));
  decipher.setAuthTag(tag);

  return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
}
