import { StorageError } from '@nexo/certstore';

/** Rejects with `StorageError` `ABORTED` (the reason as cause) when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, key?: string): void {
  if (signal?.aborted === true) throw abortedError(signal, key);
}

export function abortedError(signal: AbortSignal, key: string | undefined): StorageError {
  const what = key === undefined ? 'storage operation' : `storage operation on ${key}`;
  return new StorageError('ABORTED', `${what} aborted`, { cause: signal.reason, key });
}

/**
 * Settles with `work`, or rejects with `ABORTED` as soon as `signal` is aborted. The
 * command may still reach Redis; every write is one atomic step, so it happens
 * completely or not at all.
 */
export function withSignal<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  key?: string,
): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(abortedError(signal, key));
  }

  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(abortedError(signal, key));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with `ABORTED` when `signal` is aborted first. */
export function sleep(ms: number, signal: AbortSignal | undefined, key?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortedError(signal, key));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      if (signal !== undefined) reject(abortedError(signal, key));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
