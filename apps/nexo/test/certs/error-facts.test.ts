import { AcmeProblemError, DnsProviderError } from '@nexo/acme';
import { describe, expect, it } from 'vitest';
import { retryAfterMs, safeErrorMessage } from '../../src/certs/error-facts.js';

describe('retryAfterMs', () => {
  const rateLimited = new AcmeProblemError(
    { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many certificates' },
    { status: 429, retryAfterMs: 3_600_000, operation: 'new order' },
  );

  it.each([
    { name: 'ACME problem with Retry-After', error: rateLimited, expected: 3_600_000 },
    {
      name: 'DNS provider rate limit',
      error: new DnsProviderError('RATE_LIMITED', 'slow down', {
        provider: 'cloudflare',
        status: 429,
        retryAfterMs: 30_000,
      }),
      expected: 30_000,
    },
    {
      name: 'wrapped in a cause',
      error: new Error('obtain failed', { cause: rateLimited }),
      expected: 3_600_000,
    },
    { name: 'no Retry-After', error: new Error('boom'), expected: undefined },
    { name: 'not an error', error: 'boom', expected: undefined },
  ])('$name', ({ error, expected }) => {
    expect(retryAfterMs(error)).toBe(expected);
  });

  it('reads a Retry-After date relative to now', () => {
    const error = Object.assign(new Error('later'), { retryAfter: new Date(10_000) });
    expect(retryAfterMs(error, 4_000)).toBe(6_000);
  });
});

describe('safeErrorMessage', () => {
  it('joins the messages of an error and its causes once each', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const error = new Error('cannot reach the CA: connect ECONNREFUSED 127.0.0.1:9', { cause });
    expect(safeErrorMessage(error)).toBe('cannot reach the CA: connect ECONNREFUSED 127.0.0.1:9');
    expect(safeErrorMessage(new Error('outer', { cause: new Error('inner') }))).toBe(
      'outer: inner',
    );
  });

  it('keeps a long message to one bounded line', () => {
    const message = safeErrorMessage(new Error(`a\n${'x'.repeat(2000)}`));
    expect(message.length).toBeLessThanOrEqual(500);
    expect(message).not.toContain('\n');
  });
});
