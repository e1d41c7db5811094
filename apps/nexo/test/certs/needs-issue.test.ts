import type { CertificateRecord } from '@nexo/certstore';
import { describe, expect, it } from 'vitest';
import { needsIssue } from '../../src/certs/renewal-decision.js';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-06-01T00:00:00Z');
const planned = { name: '*.example.com', domains: ['*.example.com', 'example.com'] };

function record(names: string[], issuedDaysAgo: number, lifetimeDays: number): CertificateRecord {
  const notBefore = new Date(now.getTime() - issuedDaysAgo * DAY);
  return {
    names,
    certificatePem: '',
    privateKeyPem: '',
    meta: {
      names,
      directoryUrl: 'https://127.0.0.1:14000/dir',
      notBefore,
      notAfter: new Date(notBefore.getTime() + lifetimeDays * DAY),
      serial: 'AB',
      failureCount: 0,
    },
  };
}

describe('needsIssue', () => {
  it.each([
    { name: 'nothing stored', stored: undefined, expected: 'missing' },
    {
      name: 'stored without the apex the plan now needs',
      stored: record(['*.example.com'], 1, 90),
      expected: 'names-changed',
    },
    {
      name: '90-day certificate with a third of its life left',
      stored: record(['*.example.com', 'example.com'], 61, 90),
      expected: 'due',
    },
    {
      name: 'expired certificate',
      stored: record(['*.example.com', 'example.com'], 100, 90),
      expected: 'due',
    },
  ])('issues when $name', ({ stored, expected }) => {
    expect(needsIssue(planned, stored, now)).toEqual({ action: 'issue', reason: expected });
  });

  it('leaves a fresh certificate alone until its renewal time', () => {
    const decision = needsIssue(planned, record(['example.com', '*.example.com'], 10, 90), now);
    expect(decision.action).toBe('none');
    if (decision.action !== 'none') return;
    expect(decision.nextCheckAt.getTime()).toBeGreaterThan(now.getTime() + 40 * DAY);
    expect(decision.nextCheckAt.getTime()).toBeLessThanOrEqual(now.getTime() + 50 * DAY);
  });
});
