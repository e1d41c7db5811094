import { type ChallTestSrv, startChallTestSrv } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDns01Solver, waitForTxtRecords } from '../src/index.js';
import { silentLogger } from '../src/logger.js';

describe('waitForTxtRecords', () => {
  let dns: ChallTestSrv;
  const context = { logger: silentLogger };

  beforeAll(async () => {
    dns = await startChallTestSrv();
  });

  afterAll(async () => {
    await dns?.close();
  });

  const options = () => ({
    resolvers: [dns.dnsAddress],
    intervalMs: 50,
    timeoutMs: 3000,
    queryTimeoutMs: 500,
  });

  it('follows a CNAME to the record in another zone', async () => {
    await dns.setTxt('_acme-challenge.delegated.example.net', 'via-cname');
    await dns.setCname(
      '_acme-challenge.cname.example.com',
      '_acme-challenge.delegated.example.net',
    );

    await expect(
      waitForTxtRecords(
        [{ name: '_acme-challenge.cname.example.com', values: ['via-cname'] }],
        options(),
        context,
      ),
    ).resolves.toBeUndefined();
  });

  it('waits until every expected value is there', async () => {
    const name = '_acme-challenge.two.example.com';
    await dns.setTxt(name, 'first');
    setTimeout(() => void dns.setTxt(name, 'second'), 300);

    await waitForTxtRecords([{ name, values: ['first', 'second'] }], options(), context);

    expect((await dns.lookupTxt(name)).sort()).toEqual(['first', 'second']);
  });

  it('tells a wrong value from a missing one', async () => {
    await dns.setTxt('_acme-challenge.stale.example.com', 'old');
    const short = { ...options(), timeoutMs: 200 };

    await expect(
      waitForTxtRecords(
        [{ name: '_acme-challenge.stale.example.com', values: ['new'] }],
        short,
        context,
      ),
    ).rejects.toMatchObject({ code: 'DNS_WRONG_VALUE', seen: ['old'], expected: ['new'] });
    await expect(
      waitForTxtRecords(
        [{ name: '_acme-challenge.absent.example.com', values: ['new'] }],
        short,
        context,
      ),
    ).rejects.toMatchObject({ code: 'DNS_PROPAGATION_TIMEOUT', seen: [] });
  });

  it('needs every resolver to see the values, and names the one that lags', async () => {
    const lagging = await startChallTestSrv();
    const name = '_acme-challenge.split.example.com';
    await dns.setTxt(name, 'fresh');
    await lagging.setTxt(name, 'stale');

    try {
      const failure = waitForTxtRecords(
        [{ name, values: ['fresh'] }],
        { ...options(), resolvers: [dns.dnsAddress, lagging.dnsAddress], timeoutMs: 200 },
        context,
      );

      await expect(failure).rejects.toMatchObject({ code: 'DNS_WRONG_VALUE', seen: ['stale'] });
      await expect(failure).rejects.toThrow(lagging.dnsAddress);
    } finally {
      await lagging.close();
    }
  });

  it('rejects with the abort reason', async () => {
    const reason = new Error('stop');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 100);

    await expect(
      waitForTxtRecords([{ name: '_acme-challenge.never.example.com', values: ['x'] }], options(), {
        ...context,
        signal: controller.signal,
      }),
    ).rejects.toBe(reason);
  });

  it.each([['dns.example.com'], ['1.1.1.1:port'], ['']])(
    'refuses the resolver %j with INVALID_RESOLVER, before any record is written',
    async (resolver) => {
      const propagation = { ...options(), resolvers: [dns.dnsAddress, resolver] };
      const expected = {
        code: 'INVALID_RESOLVER',
        message: expect.stringContaining(`"${resolver}"`),
      };

      await expect(
        waitForTxtRecords([{ name: 'a.example.com', values: ['x'] }], propagation, context),
      ).rejects.toMatchObject(expected);
      const unused = () => Promise.reject(new Error('the provider is not reached'));
      const provider = { findZone: unused, appendRecords: unused, deleteRecords: unused };
      expect(() => createDns01Solver({ provider, propagation })).toThrow(
        expect.objectContaining(expected),
      );
    },
  );
});
