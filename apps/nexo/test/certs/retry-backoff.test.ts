import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_BACKOFF, retryDelayMs } from '../../src/certs/retry-backoff.js';

const HOUR = 60 * 60 * 1000;
const noJitter = { ...DEFAULT_RETRY_BACKOFF, random: () => 0 };
const fullJitter = { ...DEFAULT_RETRY_BACKOFF, random: () => 0.999_999 };

describe('retryDelayMs', () => {
  it.each([
    { failures: 1, expected: HOUR },
    { failures: 2, expected: 2 * HOUR },
    { failures: 3, expected: 4 * HOUR },
    { failures: 5, expected: 16 * HOUR },
    { failures: 6, expected: 24 * HOUR },
    { failures: 500, expected: 24 * HOUR },
  ])('after $failures failure(s) waits $expected ms without jitter', ({ failures, expected }) => {
    expect(retryDelayMs(failures, undefined, noJitter)).toBe(expected);
  });

  it('takes at most the jitter ratio off the delay', () => {
    const delay = retryDelayMs(1, undefined, fullJitter);
    expect(delay).toBeLessThan(HOUR);
    expect(delay).toBeGreaterThanOrEqual(0.8 * HOUR);
  });

  it('honours a Retry-After longer than the backoff, even beyond the cap', () => {
    expect(retryDelayMs(1, 3 * HOUR, noJitter)).toBe(3 * HOUR);
    expect(retryDelayMs(9, 7 * 24 * HOUR, noJitter)).toBe(7 * 24 * HOUR);
  });

  it('ignores a Retry-After shorter than the backoff', () => {
    expect(retryDelayMs(2, 60_000, noJitter)).toBe(2 * HOUR);
  });

  it('uses the configured timings (tests run on seconds)', () => {
    const fast = { baseMs: 1000, maxMs: 5000, jitterRatio: 0, random: () => 0.5 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, undefined, fast))).toEqual([
      1000, 2000, 4000, 5000,
    ]);
  });
});
