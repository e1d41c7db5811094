/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds
 * from `nowMs`; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs = Date.now()) {
  if (header === null || header === undefined || header.trim() === '') return undefined;

  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);

  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Settings for retrying throttled or failed requests. */
export interface RetryOptions {
  /** Attempts in total, including the first. Default 5. */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt. Default 1000 ms. */
  minDelayMs?: number;
  /** Upper bound for any delay, `Retry-After` included. Default 30 000 ms. */
  maxDelayMs?: number;
}

/** Delay before retry number `attempt` (1-based): `Retry-After` if given, else backoff. */
export function retryDelayMs(
  attempt: number,
  options: RetryOptions,
  retryAfterMs: number | undefined,
): number {
  const min = options.minDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const backoff = min * 2 ** (attempt - 1);
  return Math.min(max, retryAfterMs ?? backoff);
}
