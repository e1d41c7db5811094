import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, servedSerial } from '../server/https-client.js';
import { startNamedUpstream, writeExampleConfig } from './fixtures.js';
import { type NexoProcess, startNexo } from './nexo-process.js';

// Pebble issues certificates valid this long; Nexo renews short-lived ones at half-life.
const VALIDITY_SECONDS = 30;

describe('nexo server with short-lived certificates', { timeout: 120_000 }, () => {
  let stack: AcmeStack;
  let nexo: NexoProcess | undefined;
  let root: string;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    stack = await startAcmeStack({
      cloudflare: { zones: ['example.com', 'example.org'] },
      pebble: { validityPeriodSeconds: VALIDITY_SECONDS },
    });
    closers.push(() => stack.close());
    const dir = await mkdtemp(join(tmpdir(), 'nexo-e2e-renew-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));

    const api = await startNamedUpstream('api');
    closers.push(() => new Promise((resolve) => api.server.close(resolve)));
    root = await stack.pebble.rootCertPem();
    const config = await writeExampleConfig({
      dir,
      stack,
      apiPort: api.port,
      blogPort: api.port,
      extra: 'renewal:\n  check_interval: 2s\n  backoff_initial: 1s\n  backoff_max: 5s\n',
    });
    nexo = await startNexo(config.path, config.env);
  }, 120_000);

  afterAll(async () => {
    await nexo?.stop();
    for (const close of closers.reverse()) await close();
  }, 60_000);

  it('renews the certificate before it expires and serves the new one without restart', async () => {
    const port = nexo?.httpsPort ?? 0;
    await expect
      .poll(() => servedSerial(port, 'api.example.com', root), { timeout: 60_000, interval: 250 })
      .toBeDefined();
    const first = await servedSerial(port, 'api.example.com', root);
    const pid = nexo?.child.pid;

    // A failed handshake counts as "not renewed yet", never as a new certificate.
    await expect
      .poll(async () => (await servedSerial(port, 'api.example.com', root)) ?? first, {
        timeout: VALIDITY_SECONDS * 2000,
        interval: 500,
      })
      .not.toBe(first);

    expect(nexo?.child.pid).toBe(pid);
    expect(nexo?.child.exitCode).toBeNull();
    const res = await request({ port, servername: 'api.example.com', ca: root, protocol: 'h2' });
    expect(res.status).toBe(200);
    const attempts = nexo?.logs.filter((entry) => entry.msg === 'certificate attempt started');
    expect(attempts?.map((entry) => entry.reason)).toContain('due');
  });
});
