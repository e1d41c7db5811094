import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, servedSerial } from '../server/https-client.js';
import { startNamedUpstream, writeExampleConfig } from './fixtures.js';
import { type NexoProcess, startNexo } from './nexo-process.js';

const HOSTS = ['api.example.com', 'blog.example.com', 'example.com', 'www.example.org'];

describe('nexo server with the original example config', { timeout: 120_000 }, () => {
  let stack: AcmeStack;
  let dir: string;
  let root: string;
  let config: { path: string; env: Record<string, string> };
  let nexo: NexoProcess | undefined;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    stack = await startAcmeStack({ cloudflare: { zones: ['example.com', 'example.org'] } });
    closers.push(() => stack.close());
    dir = await mkdtemp(join(tmpdir(), 'nexo-e2e-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));

    const api = await startNamedUpstream('api');
    const blog = await startNamedUpstream('blog');
    for (const { server } of [api, blog]) {
      closers.push(() => new Promise((resolve) => server.close(resolve)));
    }
    root = await stack.pebble.rootCertPem();
    config = await writeExampleConfig({ dir, stack, apiPort: api.port, blogPort: blog.port });
    nexo = await startNexo(config.path, config.env);
  }, 120_000);

  afterAll(async () => {
    await nexo?.stop();
    for (const close of closers.reverse()) await close();
  }, 60_000);

  const port = () => nexo?.httpsPort ?? 0;

  it('obtains certificates from Pebble through the Cloudflare API and serves them', async () => {
    for (const host of HOSTS) {
      await expect
        .poll(() => servedSerial(port(), host, root), { timeout: 60_000, interval: 250 })
        .toBeDefined();
    }

    expect(stack.cloudflare.countRequests({ method: 'POST' })).toBeGreaterThan(0);
    // Challenge records are cleaned up once the orders are done.
    await expect
      .poll(() => stack.cloudflare.records().filter((r) => r.type === 'TXT').length, {
        timeout: 10_000,
      })
      .toBe(0);
    // One wildcard certificate (apex included) covers the three example.com hosts.
    const serials = await Promise.all(
      ['api.example.com', 'blog.example.com', 'example.com'].map((h) =>
        servedSerial(port(), h, root),
      ),
    );
    expect(new Set(serials).size).toBe(1);
  });

  it.each(['http/1.1', 'h2'] as const)('reaches each upstream over %s', async (protocol) => {
    const get = (host: string) =>
      request({ port: port(), servername: host, path: '/x?y=1', ca: root, protocol });

    const api = await get('api.example.com');
    expect(api).toMatchObject({ status: 200, alpn: protocol, body: 'api api.example.com /x?y=1' });
    expect((await get('blog.example.com')).body).toBe('blog blog.example.com /x?y=1');
    expect((await get('www.example.org')).body).toBe('blog www.example.org /x?y=1');
  });

  it('redirects example.com to https://github.com/yourusername', async () => {
    const res = await request({
      port: port(),
      servername: 'example.com',
      path: '/dropped',
      ca: root,
      protocol: 'http/1.1',
    });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe('https://github.com/yourusername');
  });

  it('answers an unknown host under the wildcard with 404 no-store', async () => {
    const res = await request({
      port: port(),
      servername: 'unknown.example.com',
      ca: root,
      protocol: 'h2',
    });
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 421 when the Host is not covered by the certificate of the SNI', async () => {
    const res = await request({
      port: port(),
      servername: 'www.example.org',
      host: 'api.example.com',
      ca: root,
      protocol: 'h2',
    });
    expect(res.status).toBe(421);
  });

  it('reuses the stored certificates on restart without contacting the CA', async () => {
    const before = await servedSerial(port(), 'api.example.com', root);
    expect(await nexo?.stop()).toBe(0);
    const cloudflareCalls = stack.cloudflare.requests.length;

    nexo = await startNexo(config.path, config.env);
    expect(await servedSerial(port(), 'api.example.com', root)).toBe(before);
    await nexo.waitForLog((entry) => entry.msg === 'certificate check done');

    expect(stack.cloudflare.requests.length).toBe(cloudflareCalls);
    expect(nexo.logs.filter((entry) => entry.msg === 'certificate attempt started')).toEqual([]);
  });

  it('serves the stored certificates when the CA is down at start', async () => {
    const before = await servedSerial(port(), 'www.example.org', root);
    expect(await nexo?.stop()).toBe(0);
    await stack.pebble.close();

    nexo = await startNexo(config.path, config.env);
    expect(await servedSerial(port(), 'www.example.org', root)).toBe(before);
    const res = await request({
      port: port(),
      servername: 'api.example.com',
      ca: root,
      protocol: 'h2',
    });
    expect(res.status).toBe(200);
  });
});
