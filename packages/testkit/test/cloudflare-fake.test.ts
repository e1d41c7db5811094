import { afterEach, describe, expect, it } from 'vitest';
import { type CloudflareFake, startCloudflareFake } from '../src/cloudflare-fake.js';

const TOKEN = 'full-access-token';
let fake: CloudflareFake | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function call(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  const response = await fetch(`${fake?.apiUrl}${path}`, { ...init, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('cloudflare fake', () => {
  it('answers in the Cloudflare envelope and finds zones by name', async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com', 'example.org'] });

    const response = await call('/zones?name=example.org');
    const body = JSON.parse(response.text);

    expect(response.status).toBe(200);
    expect(body).toMatchObject({ success: true, errors: [], messages: [] });
    expect(body.result).toEqual([expect.objectContaining({ name: 'example.org' })]);
    expect(body.result_info).toMatchObject({ page: 1, count: 1, total_count: 1 });
  });

  it.each([
    { token: null, status: 400, code: 9106 },
    { token: 'not a token', status: 400, code: 6003 },
    { token: 'unknown-token', status: 403, code: 9109 },
  ])('rejects authorization $token with $status / $code', async ({ token, status, code }) => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com'] });

    const response = await call('/zones', { token });

    expect(response.status).toBe(status);
    expect(JSON.parse(response.text)).toMatchObject({ success: false, errors: [{ code }] });
  });

  it('scopes tokens to zones and can forbid listing zones', async () => {
    fake = await startCloudflareFake({
      token: TOKEN,
      zones: ['example.com', 'example.org'],
      tokens: { scoped: { zones: ['example.org'] }, blind: { canListZones: false } },
    });

    const scoped = JSON.parse((await call('/zones', { token: 'scoped' })).text);
    const blind = await call('/zones?name=example.com', { token: 'blind' });
    const byId = await call(`/zones/${fake.zoneId('example.com')}`, { token: 'blind' });

    expect(scoped.result.map((z: { name: string }) => z.name)).toEqual(['example.org']);
    expect(blind.status).toBe(403);
    expect(byId.status).toBe(200);
  });

  it('paginates and filters DNS records', async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com'], maxPerPage: 2 });
    for (const value of ['a', 'b', 'c']) {
      fake.addRecord('example.com', {
        name: '_acme-challenge.example.com',
        type: 'TXT',
        content: value,
      });
    }
    fake.addRecord('example.com', { name: 'other.example.com', type: 'TXT', content: 'x' });
    const base = `/zones/${fake.zoneId('example.com')}/dns_records?type=TXT`;

    const page1 = JSON.parse((await call(`${base}&name=_acme-challenge.example.com`)).text);
    const page2 = JSON.parse((await call(`${base}&name=_acme-challenge.example.com&page=2`)).text);
    const byContent = JSON.parse((await call(`${base}&content=x`)).text);

    expect(page1.result_info).toMatchObject({
      page: 1,
      per_page: 2,
      total_count: 3,
      total_pages: 2,
    });
    expect(page2.result.map((r: { content: string }) => r.content)).toEqual(['c']);
    expect(byContent.result).toEqual([expect.objectContaining({ name: 'other.example.com' })]);
  });

  it('injects 429 with Retry-After, then recovers', async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com'] });
    fake.failNext(1, { status: 429, retryAfterSeconds: 2 });

    const limited = await call('/zones');
    const next = await call('/zones');

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(JSON.parse(limited.text)).toMatchObject({ errors: [{ code: 971 }] });
    expect(next.status).toBe(200);
    expect(fake.countRequests({ method: 'GET', path: '/client/v4/zones' })).toBe(2);
  });

  it('creates, rejects identical and deletes records', async () => {
    fake = await startCloudflareFake({
      token: TOKEN,
      zones: ['example.com'],
      txtContent: 'quoted',
    });
    const path = `/zones/${fake.zoneId('example.com')}/dns_records`;
    const body = JSON.stringify({
      type: 'TXT',
      name: '_acme-challenge.example.com',
      content: 'v1',
    });

    const created = JSON.parse((await call(path, { method: 'POST', body })).text);
    const duplicate = await call(path, { method: 'POST', body });
    const deleted = await call(`${path}/${created.result.id}`, { method: 'DELETE' });
    const again = await call(`${path}/${created.result.id}`, { method: 'DELETE' });

    expect(created.result.content).toBe('"v1"');
    expect(JSON.parse(duplicate.text)).toMatchObject({ errors: [{ code: 81058 }] });
    expect(deleted.status).toBe(200);
    expect(again.status).toBe(404);
    expect(fake.records()).toEqual([]);
  });
});
