import { describe, expect, it } from 'vitest';
import { AcmeProblemError } from '../src/index.js';

describe('AcmeProblemError', () => {
  it.each([
    { type: 'urn:ietf:params:acme:error:rateLimited', code: 'ACME_RATE_LIMITED' },
    { type: 'urn:ietf:params:acme:error:badNonce', code: 'ACME_BAD_NONCE' },
    { type: 'urn:ietf:params:acme:error:unauthorized', code: 'ACME_UNAUTHORIZED' },
    {
      type: 'urn:ietf:params:acme:error:externalAccountRequired',
      code: 'ACME_EXTERNAL_ACCOUNT_REQUIRED',
    },
    { type: 'urn:ietf:params:acme:error:badCSR', code: 'ACME_BAD_CSR' },
    { type: 'about:blank', code: 'ACME_PROBLEM' },
  ])('maps $type to $code', ({ type, code }) => {
    const error = new AcmeProblemError({ type }, { status: 400, operation: 'test' });

    expect(error.code).toBe(code);
    expect(error.problemType).toBe(type);
  });

  it('keeps status, Retry-After and says when to retry', () => {
    const error = new AcmeProblemError(
      { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many certificates' },
      { status: 429, retryAfterMs: 3_600_000, operation: 'create the order' },
    );

    expect(error).toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(error.message).toBe(
      'create the order failed: the CA answered urn:ietf:params:acme:error:rateLimited ' +
        '(too many certificates); retry after 3600 s',
    );
  });
});
