import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore, FileStorage } from '@nexo/certstore';
import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listCertificates, renewCertificate } from '../../src/certs/commands.js';
import type { NexoConfig } from '../../src/config/types.js';
import { type NexoServer, startServer } from '../../src/server/index.js';
import { makeConfig, redirect, upstream } from './config-fixture.js';
import { request, servedSerial } from './https-client.js';
import { createMemoryLogger } from './memory-logger.js';

describe('certificates from Pebble through the Cloudflare fake', { timeout: 120_000 }, () => {
  let stack: AcmeStack;
  let dir: string;
  let root: string;
  let config: NexoConfig;
  let server: NexoServer;
  const logger = createMemoryLogger();
  const upstreamServer = createServer((req, res) => res.end(`up ${req.headers.host}`));

  beforeAll(async () => {
    stack = await startAcmeStack({ cloudflare: { zones: ['example.com', 'example.net'] } });
    dir = await mkdtemp(join(tmpdir(), 'nexo-acme-server-'));
    const caFile = join(dir, 'pebble-ca.pem');
    await writeFile(caFile, stack.pebble.caCertPem);
    root = await stack.pebble.rootCertPem();

    await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`;

    const base = makeConfig({ certDir: join(dir, 'certs') });
    config = makeConfig({
      certDir: join(dir, 'certs'),
      acme: { ...base.acme, directoryUrl: stack.pebble.directoryUrl, caFile },
      cloudflare: {
        apiToken: stack.cloudflareToken,
        apiUrl: stack.cloudflare.apiUrl,
        zoneId: undefined,
      },
      dns: {
        resolvers: [stack.challtestsrv.dnsAddress],
        propagationTimeoutMs: 20_000,
        propagationIntervalMs: 200,
      },
      wildcards: ['*.example.com'],
      proxies: [
        upstream('api.example.com', upstreamUrl),
        redirect('example.com', 'https://example.net'),
        upstream('solo.example.com', upstreamUrl),
      ],
    });
    server = await startServer({ config, logger });
  }, 120_000);

  afterAll(async () => {
    await server?.close({ deadlineMs: 1000 });
    await new Promise((resolve) => upstreamServer.close(resolve));
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('obtains the planned certificate in the background and serves it when it arrives', async () => {
    await expect
      .poll(() => servedSerial(server.addresses.https.port, 'api.example.com', root), {
        timeout: 60_000,
        interval: 250,
      })
      .toBeDefined();

    const res = await request({
      port: server.addresses.https.port,
      servername: 'solo.example.com',
      ca: root,
      protocol: 'h2',
    });
    expect(res).toMatchObject({ status: 200, body: 'up solo.example.com' });
    expect(JSON.stringify(logger.lines)).not.toContain(stack.cloudflareToken);
  });

  it('lists certificates with expiry and next renewal', async () => {
    const rows = await listCertificates(config);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: '*.example.com',
      names: ['*.example.com', 'example.com'],
      status: 'valid',
      failureCount: 0,
    });
    expect(rows[0]?.nextRenewalAt?.getTime()).toBeLessThan(rows[0]?.notAfter?.getTime() ?? 0);
  });

  it('renews a certificate on demand and a reload serves the new one', async () => {
    const port = server.addresses.https.port;
    const before = await servedSerial(port, 'api.example.com', root);

    // A host under the wildcard finds the wildcard certificate.
    const renewed = await renewCertificate(config, 'API.example.com', createMemoryLogger());
    expect(renewed).toMatchObject({ name: '*.example.com', status: 'valid' });

    await server.applyConfig({ ...config });
    await expect
      .poll(async () => (await servedSerial(port, 'api.example.com', root)) ?? before, {
        timeout: 10_000,
      })
      .not.toBe(before);
  });

  it('refuses to renew a name no host needs', async () => {
    await expect(
      renewCertificate(config, 'nope.example.org', createMemoryLogger()),
    ).rejects.toThrow(/no configured host needs a certificate named nope\.example\.org/);
  });

  it('adds a host at reload and obtains its certificate without a restart', async () => {
    const port = server.addresses.https.port;
    const next = {
      ...config,
      proxies: [...config.proxies, upstream('late.example.net', 'http://127.0.0.1:9')],
    };
    const diff = await server.applyConfig(next);
    expect(diff.added).toEqual(['late.example.net']);
    expect(await servedSerial(port, 'late.example.net', root)).toBeUndefined();

    await expect
      .poll(() => servedSerial(port, 'late.example.net', root), { timeout: 60_000, interval: 250 })
      .toBeDefined();
  });

  it("records a DNS API failure with the API's Retry-After as the next attempt time", async () => {
    // Every try of the provider (it retries on its own first) is answered 429.
    stack.cloudflare.failNext(5, { status: 429, retryAfterSeconds: 3 });
    await server.applyConfig({
      ...config,
      proxies: [...config.proxies, upstream('throttled.example.net', 'http://127.0.0.1:9')],
    });

    const store = new CertificateStore({ storage: new FileStorage({ root: join(dir, 'certs') }) });
    const meta = await vi.waitFor(
      async () => {
        const found = await store.loadMeta(stack.pebble.directoryUrl, 'throttled.example.net');
        if (found?.failureCount !== 1) throw new Error('no failure recorded yet');
        return found;
      },
      { timeout: 60_000, interval: 250 },
    );

    expect(meta.lastError).toMatch(/rate limit/i);
    const waitMs = (meta.nextAttemptAt?.getTime() ?? 0) - (meta.lastAttemptAt?.getTime() ?? 0);
    // The configured backoff starts at 1 s; the API asked for 3 s.
    expect(waitMs).toBeGreaterThanOrEqual(2900);
  });

  // Regression (fresh-user test): fixing a wrong token in the file left the certificate
  // waiting out a backoff of an hour that was about the old token.
  it('retries at once when a reload fixes the settings an attempt failed with', async () => {
    const port = server.addresses.https.port;
    const slowBackoff = { ...config.renewal, backoffInitialMs: 3_600_000, backoffMaxMs: 3_600_000 };
    const withHost = {
      ...config,
      renewal: slowBackoff,
      proxies: [...config.proxies, upstream('fixed.example.net', 'http://127.0.0.1:9')],
    };
    await server.applyConfig({
      ...withHost,
      cloudflare: { ...config.cloudflare, apiToken: 'wrong-token' },
    });

    const store = new CertificateStore({ storage: new FileStorage({ root: join(dir, 'certs') }) });
    await vi.waitFor(
      async () => {
        const found = await store.loadMeta(stack.pebble.directoryUrl, 'fixed.example.net');
        if (found?.failureCount !== 1) throw new Error('no failure recorded yet');
      },
      { timeout: 60_000, interval: 250 },
    );

    await server.applyConfig(withHost);
    await expect
      .poll(() => servedSerial(port, 'fixed.example.net', root), { timeout: 60_000, interval: 250 })
      .toBeDefined();
  });
});
