/** How failed certificate attempts are spaced out. */
export interface RetryBackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** The exponential growth stops here (a CA's Retry-After may still ask for longer). */
  maxMs: number;
  /** Up to this fraction of the delay is taken off at random, so fleets spread out. */
  jitterRatio: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/** About an hour after the first failure, doubling, never more than a day apart. */
export const DEFAULT_RETRY_BACKOFF: RetryBackoffOptions = Object.freeze({
  baseMs: 60 * 60 * 1000,
  maxMs: 24 * 60 * 60 * 1000,
  jitterRatio: 0.2,
});

/**
 * The delay before the next attempt after `failures` consecutive failures (1 = the
 * first failure): exponential from `baseMs`, capped at `maxMs`, minus some jitter, and
 * never sooner than the CA's Retry-After when it sent one.
 */
export function retryDelayMs(
  failures: number,
  retryAfterMs: number | undefined,
  options: RetryBackoffOptions = DEFAULT_RETRY_BACKOFF,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** exponent);

  const random = options.random ?? Math.random;
  const jittered = Math.round(capped * (1 - options.jitterRatio * random()));

  return Math.max(jittered, retryAfterMs ?? 0);
}
