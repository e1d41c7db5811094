import { StorageError } from './errors.js';

const MAX_KEY_LENGTH = 1024;
const SEGMENT = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$/;

/** True when `key` follows the key rules of the {@link Storage} contract. */
export function isValidStorageKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return false;

  return key.split('/').every((segment) => SEGMENT.test(segment));
}

/**
 * Throws `StorageError` `INVALID_KEY` unless `key` follows the {@link Storage} key rules.
 * Backends call it first so every one of them rejects the same keys.
 */
export function assertStorageKey(key: string): void {
  if (isValidStorageKey(key)) return;

  throw new StorageError(
    'INVALID_KEY',
    `invalid storage key ${JSON.stringify(key)}: use '/'-separated segments of ` +
      "A-Z a-z 0-9 . _ - @ that do not start with '.'",
    { key },
  );
}
