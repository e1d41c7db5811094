import { type CloudflareFake, startCloudflareFake } from '@nexo/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudflareDnsProvider,
  type CloudflareDnsProviderOptions,
  type Logger,
} from '../src/index.js';

const TOKEN = 'provider-test-token-abcdef';
let fake: CloudflareFake;

beforeEach(async () => {
  fake = await startCloudflareFake({
    token: TOKEN,
    zones: ['example.com', 'sub.example.com'],
    tokens: { 'read-only-token': { canEditDns: false } },
  });
});

afterEach(async () => {
  await fake.close();
});

function provider(options: Partial<CloudflareDnsProviderOptions> = {}) {
  return new CloudflareDnsProvider({
    apiToken: TOKEN,
    apiUrl: fake.apiUrl,
    retry: { maxAttempts: 3, minDelayMs: 10, maxDelayMs: 5000 },
    ...options,
  });
}

const challenge = (name: string, value: string) => ({ name, type: 'TXT' as const, value });

describe('CloudflareDnsProvider', () => {
  it('picks the closest zone when zones are nested', async () => {
    expect(await provider().findZone('_acme-challenge.a.sub.example.com')).toBe('sub.example.com');
    expect(await provider().findZone('_acme-challenge.www.example.com')).toBe('example.com');
  });

  it('honours Retry-After on 429 before retrying', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();

    await provider().findZone('example.com');

    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.countRequests({ path: '/client/v4/zones' })).toBe(2);
  });

  it('retries 5xx (HTML from the edge) and then succeeds', async () => {
    fake.failNext(2, { status: 502 });

    expect(await provider().findZone('example.com')).toBe('example.com');
    expect(fake.countRequests()).toBe(3);
  });

  it.each([
    { status: 429, code: 'RATE_LIMITED' },
    { status: 503, code: 'PROVIDER_UNAVAILABLE' },
  ])('gives up after the last attempt with $code', async ({ status, code }) => {
    fake.failNext(3, { status, retryAfterSeconds: 0 });

    await expect(provider().findZone('example.com')).rejects.toMatchObject({ code, status });
    expect(fake.countRequests()).toBe(3);
  });

  it('reports an unreachable API as PROVIDER_UNAVAILABLE with the socket error', async () => {
    const apiUrl = fake.apiUrl;
    await fake.close();

    await expect(provider({ apiUrl }).findZone('example.com')).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com'] });
  });

  it('says which permission is missing when the token cannot edit DNS', async () => {
    const readOnly = provider({ apiToken: 'read-only-token' });

    const failure = readOnly.appendRecords('example.com', [
      challenge('_acme-challenge.example.com', 'v'),
    ]);

    await expect(failure).rejects.toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
    await expect(failure).rejects.toThrow(/Zone:DNS:Edit/);
  });

  it('rejects names outside the configured zoneId', async () => {
    const pinned = provider({ zoneId: fake.zoneId('sub.example.com') });

    await expect(pinned.findZone('www.example.com')).rejects.toMatchObject({
      code: 'ZONE_NOT_FOUND',
    });
    expect(await pinned.findZone('_acme-challenge.a.sub.example.com')).toBe('sub.example.com');
  });

  it('adopts an identical record instead of failing, and leaves other values alone', async () => {
    const name = '_acme-challenge.example.com';
    const existingId = fake.addRecord('example.com', { name, type: 'TXT', content: '"same"' });
    fake.addRecord('example.com', { name, type: 'TXT', content: 'someone-else' });

    const [adopted] = await provider().appendRecords('example.com', [challenge(name, 'same')]);
    await provider().deleteRecords('example.com', adopted ? [adopted] : []);

    expect(adopted?.id).toBe(existingId);
    expect(fake.records().map((r) => r.value)).toEqual(['someone-else']);
  });

  it('rolls back the records of a batch when a later one fails', async () => {
    const records = [
      challenge('_acme-challenge.example.com', 'first'),
      challenge('_acme-challenge.example.org', 'outside the zone'),
    ];

    const failure = provider().appendRecords('example.com', records);

    await expect(failure).rejects.toMatchObject({ code: 'PROVIDER_REQUEST_FAILED', status: 400 });
    expect(fake.countRequests({ method: 'POST' })).toBe(2);
    expect(fake.records()).toEqual([]);
  });

  it('never logs the token', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (fields, message) => lines.push(JSON.stringify({ fields, message })),
      info: (fields, message) => lines.push(JSON.stringify({ fields, message })),
      warn: (fields, message) => lines.push(JSON.stringify({ fields, message })),
      error: (fields, message) => lines.push(JSON.stringify({ fields, message })),
      child: () => logger,
    };
    fake.failNext(1, { status: 429, retryAfterSeconds: 0 });

    const created = await provider({ logger }).appendRecords('example.com', [
      challenge('_acme-challenge.example.com', 'logged'),
    ]);
    await provider({ logger }).deleteRecords('example.com', created);

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
