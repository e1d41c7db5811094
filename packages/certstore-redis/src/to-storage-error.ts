import { StorageError, type StorageErrorCode } from '@nexo/certstore';

/** What was being done when Redis failed, for the error message. */
export interface FailedOperation {
  /** A short verb phrase: "store", "load", "take lock". */
  operation: string;
  /** The storage key or lock name involved. */
  key?: string;
}

/**
 * Redis error replies that mean something a caller can act on, by their first word;
 * anything else is `IO`.
 */
const replyCodes: Record<string, { code: StorageErrorCode; advice: string }> = {
  OOM: { code: 'NO_SPACE', advice: 'Redis is out of memory: raise maxmemory or free space' },
  READONLY: { code: 'READ_ONLY', advice: 'point storage.url at the primary, not a replica' },
  NOAUTH: { code: 'PERMISSION_DENIED', advice: 'set storage.password' },
  WRONGPASS: { code: 'PERMISSION_DENIED', advice: 'check storage.password' },
  NOPERM: {
    code: 'PERMISSION_DENIED',
    advice: 'grant the Redis user access to the prefix keys, EVAL and PUBLISH',
  },
};

/** Turns a failure from ioredis into a `StorageError` that says what to do next. */
export function toStorageError(error: unknown, failed: FailedOperation): StorageError {
  if (error instanceof StorageError) return error;

  const what = failed.key === undefined ? failed.operation : `${failed.operation} "${failed.key}"`;
  const options = { cause: error, key: failed.key };
  const message = error instanceof Error ? error.message : String(error);
  // Inside a script, an ACL refusal comes back as a plain ERR naming the command.
  const aclInScript = /can't run this command/.test(message) ? replyCodes.NOPERM : undefined;
  const reply = replyCodes[message.split(' ', 1)[0] ?? ''] ?? aclInScript;

  if (reply) {
    return new StorageError(
      reply.code,
      `redis refused to ${what}: ${message}; ${reply.advice}`,
      options,
    );
  }
  if (isReplyError(error)) {
    return new StorageError('IO', `redis refused to ${what}: ${message}`, options);
  }
  return new StorageError(
    'UNAVAILABLE',
    `cannot ${what}: redis is unreachable (${message}); ` +
      'the client keeps reconnecting, retry later and check that Redis is up',
    options,
  );
}

/** A reply from the server (it answered, with an error) rather than a connection failure. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
