/**
 * Base class of every error this package throws. `code` is stable and meant for
 * programs; `message` is for people and says what to do next.
 */
export class CertstoreError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertstoreError';
    this.code = code;
  }
}

/** Why a storage or locker operation failed. */
export type StorageErrorCode =
  | 'READ_ONLY'
  | 'NO_SPACE'
  | 'PERMISSION_DENIED'
  | 'IO'
  | 'INVALID_KEY'
  | 'ABORTED'
  | 'LOCK_LOST'
  /** A shared backend (Redis) cannot be reached right now; retry later. */
  | 'UNAVAILABLE';

/** A storage backend could not do what was asked; `key` names the value involved. */
export class StorageError extends CertstoreError {
  declare readonly code: StorageErrorCode;
  readonly key: string | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown; key?: string },
  ) {
    super(code, message, options);
    this.name = 'StorageError';
    this.key = options?.key;
  }
}

/** Why a certificate or key could not be used. */
export type CertificateErrorCode =
  | 'INVALID_CERTIFICATE'
  | 'INVALID_PRIVATE_KEY'
  | 'KEY_MISMATCH'
  | 'INVALID_METADATA';

/** A certificate, key or metadata file is corrupt or does not fit; `source` names it. */
export class CertificateError extends CertstoreError {
  declare readonly code: CertificateErrorCode;
  readonly source: string | undefined;

  constructor(
    code: CertificateErrorCode,
    message: string,
    options?: { cause?: unknown; source?: string },
  ) {
    super(code, message, options);
    this.name = 'CertificateError';
    this.source = options?.source;
  }
}
