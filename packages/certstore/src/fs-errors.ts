import { StorageError, type StorageErrorCode } from './errors.js';

const CODE_BY_ERRNO: Record<string, StorageErrorCode> = {
  EROFS: 'READ_ONLY',
  ENOSPC: 'NO_SPACE',
  EDQUOT: 'NO_SPACE',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
};

const ADVICE: Record<StorageErrorCode, string> = {
  READ_ONLY: 'the file system is read-only; mount it read-write or choose another directory',
  NO_SPACE: 'the disk is full; free some space',
  PERMISSION_DENIED: 'permission denied; give the nexo user write access to the directory',
  IO: 'check the disk and the path',
  INVALID_KEY: 'use a valid key',
  ABORTED: 'the operation was aborted',
  LOCK_LOST: 'the lock was taken over by another process',
  UNAVAILABLE: 'the storage backend is unreachable; retry later',
};

/** The errno string of a Node.js system error, if it is one. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;

  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Wraps a file-system failure into a `StorageError` whose code tells read-only, full
 * and permission problems apart, keeping the original error as `cause`.
 */
export function toStorageError(error: unknown, action: string, path: string, key?: string) {
  if (error instanceof StorageError) return error;

  const errno = errnoOf(error);
  const code: StorageErrorCode =
    errno === 'ABORT_ERR' ? 'ABORTED' : (CODE_BY_ERRNO[errno ?? ''] ?? 'IO');
  const detail = errno === undefined ? String(error) : errno;
  const message = `cannot ${action} ${path} (${detail}): ${ADVICE[code]}`;

  return new StorageError(code, message, { cause: error, key });
}

/** Rejects with `StorageError` `ABORTED` when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, key?: string): void {
  if (signal?.aborted !== true) return;

  const what = key === undefined ? 'storage operation' : `storage operation on ${key}`;
  throw new StorageError('ABORTED', `${what} aborted`, { cause: signal.reason, key });
}
