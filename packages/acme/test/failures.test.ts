import { type AcmeStack, startAcmeStack, startCloudflareFake } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChallengeSolver, DnsProvider, DnsRecord } from '../src/index.js';
import { clientFor, expectChainsToPebbleRoot, providerFor, solverFor } from './helpers.js';

/** Wraps a provider so that what reaches DNS differs from what was asked. */
function distorting(provider: DnsProvider, change: (r: DnsRecord) => DnsRecord): DnsProvider {
  return {
    findZone: (name, options) => provider.findZone(name, options),
    appendRecords: (zone, records, options) =>
      provider.appendRecords(zone, records.map(change), options),
    deleteRecords: (zone, records, options) => provider.deleteRecords(zone, records, options),
  };
}

describe('obtainCertificate failures', () => {
  let stack: AcmeStack;

  beforeAll(async () => {
    stack = await startAcmeStack({
      cloudflare: {
        zones: ['example.com'],
        tokens: { 'dns-only-token': { canListZones: false } },
      },
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('reports a wrong TXT value as DNS_WRONG_VALUE and deletes the records', async () => {
    const provider = distorting(providerFor(stack), (r) => ({ ...r, value: `${r.value}-wrong` }));
    const client = clientFor(stack);

    const failure = client.obtainCertificate({
      names: ['wrong.example.com'],
      solver: solverFor(stack, provider, { timeoutMs: 400 }),
    });

    await expect(failure).rejects.toMatchObject({
      code: 'DNS_WRONG_VALUE',
      recordName: '_acme-challenge.wrong.example.com',
    });
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });

  it('reports a missing TXT record as DNS_PROPAGATION_TIMEOUT and deletes the records', async () => {
    const provider = distorting(providerFor(stack), (r) => ({ ...r, name: `typo${r.name}` }));
    const client = clientFor(stack);

    const failure = client.obtainCertificate({
      names: ['missing.example.com'],
      solver: solverFor(stack, provider, { timeoutMs: 400 }),
    });

    await expect(failure).rejects.toMatchObject({ code: 'DNS_PROPAGATION_TIMEOUT' });
    await expect(failure).rejects.toThrow(/did not appear/);
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });

  it('surfaces a challenge the CA rejects as ACME_CHALLENGE_FAILED and cleans up', async () => {
    const provider = distorting(providerFor(stack), (r) => ({ ...r, value: 'not-the-digest' }));
    const inner = solverFor(stack, provider);
    const skipsPropagation: ChallengeSolver = { ...inner, waitUntilVisible: async () => {} };
    const client = clientFor(stack);

    const failure = client.obtainCertificate({
      names: ['rejected.example.com'],
      solver: skipsPropagation,
    });

    await expect(failure).rejects.toMatchObject({
      code: 'ACME_CHALLENGE_FAILED',
      identifier: 'rejected.example.com',
      problemType: 'urn:ietf:params:acme:error:unauthorized',
    });
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });

  it('retries Cloudflare 429 answers and then succeeds', async () => {
    stack.cloudflare.failNext(2, { status: 429, retryAfterSeconds: 0, method: 'POST' });
    const client = clientFor(stack);
    const postsBefore = stack.cloudflare.countRequests({ method: 'POST' });

    const cert = await client.obtainCertificate({
      names: ['throttled.example.com'],
      solver: solverFor(stack),
    });

    await expectChainsToPebbleRoot(stack, cert.certificatePem);
    expect(stack.cloudflare.countRequests({ method: 'POST' }) - postsBefore).toBe(3);
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });

  it('rejects an invalid token with INVALID_CREDENTIALS, without echoing it', async () => {
    const client = clientFor(stack);
    const provider = providerFor(stack, { apiToken: 'wrong-token-123' });

    const failure = client.obtainCertificate({
      names: ['token.example.com'],
      solver: solverFor(stack, provider),
    });

    await expect(failure).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(failure).rejects.toThrow(/API token/);
    await expect(failure).rejects.not.toThrow(/wrong-token-123/);
    client.close();
  });

  it('explains a token that cannot list zones, and works with an explicit zoneId', async () => {
    const client = clientFor(stack);
    const blind = providerFor(stack, { apiToken: 'dns-only-token' });
    const pinned = providerFor(stack, {
      apiToken: 'dns-only-token',
      zoneId: stack.cloudflare.zoneId('example.com'),
    });

    const failure = client.obtainCertificate({
      names: ['blind.example.com'],
      solver: solverFor(stack, blind),
    });
    await expect(failure).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(failure).rejects.toThrow(/zone id/);

    const cert = await client.obtainCertificate({
      names: ['*.example.com', 'example.com'],
      solver: solverFor(stack, pinned),
    });
    await expectChainsToPebbleRoot(stack, cert.certificatePem);
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });

  it('waits for slow propagation', async () => {
    const slow = await startCloudflareFake({
      token: 'slow-token',
      zones: ['example.com'],
      challtestsrv: stack.challtestsrv,
      propagationDelayMs: 800,
    });
    const provider = providerFor(stack, { apiToken: 'slow-token', apiUrl: slow.apiUrl });
    const client = clientFor(stack);

    try {
      const cert = await client.obtainCertificate({
        names: ['slow.example.com'],
        solver: solverFor(stack, provider, { intervalMs: 100, timeoutMs: 15_000 }),
      });

      await expectChainsToPebbleRoot(stack, cert.certificatePem);
      await slow.settled();
      expect(slow.records()).toEqual([]);
      expect(await stack.challtestsrv.lookupTxt('_acme-challenge.slow.example.com')).toEqual([]);
    } finally {
      client.close();
      await slow.close();
    }
  });

  it('aborts while waiting for propagation and still deletes the records', async () => {
    const never = await startCloudflareFake({
      token: 'never-token',
      zones: ['example.com'],
      challtestsrv: stack.challtestsrv,
      propagationDelayMs: 60_000,
    });
    const provider = providerFor(stack, { apiToken: 'never-token', apiUrl: never.apiUrl });
    const client = clientFor(stack);
    const controller = new AbortController();

    try {
      const failure = client.obtainCertificate({
        names: ['abort.example.com'],
        solver: solverFor(stack, provider, { intervalMs: 50, timeoutMs: 30_000 }),
        signal: controller.signal,
      });
      await waitFor(() => never.records().length > 0);
      controller.abort(new Error('shutting down'));

      await expect(failure).rejects.toThrow('shutting down');
      expect(never.records()).toEqual([]);
    } finally {
      client.close();
      await never.close();
    }
  });

  it('says so when the directory certificate is untrusted, without leaking trust', async () => {
    const untrusted = clientFor(stack, { caCertPem: undefined });
    const trusted = clientFor(stack);

    const [failure, success] = await Promise.allSettled([
      untrusted.ensureAccount(),
      trusted.ensureAccount(),
    ]);

    expect(failure).toMatchObject({
      status: 'rejected',
      reason: { code: 'ACME_TLS_UNTRUSTED', message: expect.stringMatching(/caCertPem/) },
    });
    expect(success.status).toBe('fulfilled');
    untrusted.close();
    trusted.close();
  });
});

describe('External Account Binding', () => {
  const eab = {
    kid: 'kid-1',
    hmacKey: 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W',
  };
  let stack: AcmeStack;

  beforeAll(async () => {
    stack = await startAcmeStack({ pebble: { eab: { [eab.kid]: eab.hmacKey } } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('is required by the CA, and works when given', async () => {
    const without = clientFor(stack);
    const withEab = clientFor(stack, { externalAccountBinding: eab });

    await expect(without.ensureAccount()).rejects.toMatchObject({
      code: 'ACME_EXTERNAL_ACCOUNT_REQUIRED',
      problemType: 'urn:ietf:params:acme:error:externalAccountRequired',
    });
    const cert = await withEab.obtainCertificate({
      names: ['eab.example.com'],
      solver: solverFor(stack),
    });

    await expectChainsToPebbleRoot(stack, cert.certificatePem);
    without.close();
    withEab.close();
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!condition()) throw new Error('condition never became true');
}
