import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AcmeStack, type RedisServer, startAcmeStack, startRedisServer } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNamedUpstream } from '../e2e/fixtures.js';
import { type NexoProcess, startNexo } from '../e2e/nexo-process.js';
import { servedSerial } from '../server/https-client.js';

const INSTANCES = 3;
// Pebble issues certificates valid this long; Nexo renews short-lived ones at half-life.
const VALIDITY_SECONDS = 40;
/** The issue's promise: once one instance serves a certificate, all do within this. */
const SPREAD_MS = 5000;

/**
 * Three `nexo server` processes sharing one Redis (storage.type: redis) and one Pebble,
 * as three VPSes behind DNS round-robin would. The tests run in order and build on each
 * other, like one cluster's life: first certificate, new host, renewal, Redis restart,
 * the death of the instance holding a certificate's lock, and an instance started while Redis
 * is down.
 */
describe('three nexo instances on one Redis', { timeout: 180_000 }, () => {
  let stack: AcmeStack;
  let redis: RedisServer;
  let dir: string;
  let root: string;
  let upstreamPort: number;
  const nexos: NexoProcess[] = [];
  const env: Record<string, string> = {
    NEXO_STORAGE_KEY: 'scale-out-test-key-0123456789abcdef',
  };
  const closers: Array<() => Promise<unknown>> = [];

  /** ACME orders placed for `host` by any instance: the ACME client logs one line each. */
  const ordersFor = (host: string) =>
    nexos.flatMap((nexo) =>
      nexo.logs.filter(
        (entry) =>
          entry.msg === 'obtaining certificate' &&
          Array.isArray(entry.names) &&
          entry.names.includes(host),
      ),
    ).length;
  /** Challenge records created at the Cloudflare fake: one per name per order. */
  const challenges = () =>
    stack.cloudflare.countRequests({ method: 'POST', path: /\/dns_records$/ });

  const configFor = (index: number, hosts: readonly string[]) => `base_dir: ${dir}/n${index}
email: ops@example.com
cloudflare:
  api_token: \${CLOUDFLARE_API_TOKEN}
  api_url: ${stack.cloudflare.apiUrl}
storage:
  type: redis
  url: ${redis.url}
  prefix: scale
  encryption_key: \${NEXO_STORAGE_KEY}
proxies:
${hosts.map((host) => `  "${host}":\n    upstream: http://127.0.0.1:${upstreamPort}`).join('\n')}
listen:
  https: 127.0.0.1:0
acme:
  directory: ${stack.pebble.directoryUrl}
  ca_file: ${dir}/pebble-directory-ca.pem
dns:
  resolvers: ["${stack.challtestsrv.dnsAddress}"]
  propagation_interval: 200ms
renewal:
  check_interval: 2s
  backoff_initial: 1s
  backoff_max: 5s
log:
  format: json
`;

  const writeConfigs = async (hosts: readonly string[]) => {
    for (let index = 0; index < INSTANCES; index++) {
      await writeFile(join(dir, `n${index}`, 'config.yaml'), configFor(index, hosts));
    }
  };

  /** Polls every instance until each serves `host` with the same certificate. */
  const servedByAll = async (host: string, timeoutMs: number) => {
    const serials: (string | undefined)[] = [];
    await expect
      .poll(
        async () => {
          for (const [index, nexo] of nexos.entries()) {
            serials[index] = await servedSerial(nexo.httpsPort, host, root);
          }
          return serials.every((serial) => serial !== undefined && serial === serials[0]);
        },
        { timeout: timeoutMs, interval: 100 },
      )
      .toBe(true);
    return serials[0] as string;
  };

  /** Resolves with the time any instance first serves `host` with a serial other than `not`. */
  const firstServed = async (host: string, not: string | undefined, timeoutMs: number) => {
    await expect
      .poll(
        async () => {
          for (const nexo of nexos) {
            const serial = await servedSerial(nexo.httpsPort, host, root);
            if (serial !== undefined && serial !== not) return true;
          }
          return false;
        },
        { timeout: timeoutMs, interval: 100 },
      )
      .toBe(true);
    return Date.now();
  };

  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    closers.push(() => redis.close());
    stack = await startAcmeStack({ pebble: { validityPeriodSeconds: VALIDITY_SECONDS } });
    closers.push(() => stack.close());
    dir = await mkdtemp(join(tmpdir(), 'nexo-scale-out-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const upstream = await startNamedUpstream('app');
    closers.push(() => new Promise((resolve) => upstream.server.close(resolve)));
    upstreamPort = upstream.port;
    root = await stack.pebble.rootCertPem();

    await writeFile(join(dir, 'pebble-directory-ca.pem'), stack.pebble.caCertPem);
    for (let index = 0; index < INSTANCES; index++) await mkdir(join(dir, `n${index}`));
    await writeConfigs(['app.example.com']);
    env.CLOUDFLARE_API_TOKEN = stack.cloudflareToken;
    // Started together, so all three race for the same first certificate.
    const started = await Promise.all(
      Array.from({ length: INSTANCES }, (_, index) =>
        startNexo(join(dir, `n${index}`, 'config.yaml'), env),
      ),
    );
    nexos.push(...started);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nexos.map((nexo) => nexo.stop()));
    for (const close of closers.reverse()) await close();
  }, 60_000);

  it('obtains the first certificate once and serves it from all three', async () => {
    await firstServed('app.example.com', undefined, 60_000);
    await servedByAll('app.example.com', SPREAD_MS);

    expect(ordersFor('app.example.com')).toBe(1);
    expect(challenges()).toBe(1);
  });

  it('obtains a new host once after a config change and serves it everywhere within 5 s', async () => {
    await writeConfigs(['app.example.com', 'new.example.com']);

    await firstServed('new.example.com', undefined, 60_000);
    await servedByAll('new.example.com', SPREAD_MS);

    expect(ordersFor('new.example.com')).toBe(1);
  });

  it('renews once and every instance swaps the renewed certificate in within 5 s', async () => {
    const first = await servedByAll('app.example.com', SPREAD_MS);
    const before = ordersFor('app.example.com');

    await firstServed('app.example.com', first, VALIDITY_SECONDS * 2000);
    const renewed = await servedByAll('app.example.com', SPREAD_MS);

    expect(renewed).not.toBe(first);
    expect(ordersFor('app.example.com')).toBe(before + 1);
  });

  it('keeps serving and loses nothing when Redis restarts', async () => {
    const serial = await servedByAll('app.example.com', SPREAD_MS);

    await redis.stop({ crash: true });
    // Served from memory while Redis is gone.
    for (const nexo of nexos) {
      expect(await servedSerial(nexo.httpsPort, 'app.example.com', root)).toBe(serial);
    }
    await redis.start();

    // A restarted instance finds everything in Redis and orders nothing it already has.
    const restarted = nexos[0] as NexoProcess;
    await restarted.stop();
    nexos[0] = await startNexo(join(dir, 'n0', 'config.yaml'), env);
    expect(await servedSerial(nexos[0].httpsPort, 'app.example.com', root)).toBe(serial);
    expect(await servedSerial(nexos[0].httpsPort, 'new.example.com', root)).toBeDefined();
    await nexos[0].waitForLog((entry) => entry.msg === 'certificate check done');
    // app.example.com was renewed just before: nobody may order it again.
    const orders = nexos[0].logs.filter(
      (entry) =>
        entry.msg === 'obtaining certificate' &&
        Array.isArray(entry.names) &&
        entry.names.includes('app.example.com'),
    );
    expect(orders).toEqual([]);
  });

  it('lets another instance finish when the lock holder is killed mid-issuance', async () => {
    const hosts = ['app.example.com', 'new.example.com', 'late.example.com'];
    const started = (nexo: NexoProcess) =>
      nexo.logs.some(
        (entry) =>
          entry.msg === 'certificate attempt started' &&
          Array.isArray(entry.names) &&
          entry.names.includes('late.example.com'),
      );
    await writeConfigs(hosts);

    // The first instance to take the lock and start ordering dies on the spot.
    await expect.poll(() => nexos.some(started), { timeout: 60_000, interval: 20 }).toBe(true);
    const holder = nexos.find(started) as NexoProcess;
    holder.child.kill('SIGKILL');
    const survivors = nexos.filter((nexo) => nexo !== holder);

    // Its lease runs out and a survivor obtains the certificate.
    await expect
      .poll(
        async () => {
          const serials = await Promise.all(
            survivors.map((nexo) => servedSerial(nexo.httpsPort, 'late.example.com', root)),
          );
          return serials.every((serial) => serial !== undefined && serial === serials[0]);
        },
        { timeout: 90_000, interval: 250 },
      )
      .toBe(true);
    expect(survivors.some(started)).toBe(true);
  });

  it('starts without Redis and serves the shared certificates once Redis is back', async () => {
    const hosts = ['app.example.com', 'new.example.com', 'late.example.com'];
    await mkdir(join(dir, 'n3'));
    await writeFile(join(dir, 'n3', 'config.yaml'), configFor(3, hosts));
    const alive = nexos.find((nexo) => nexo.child.exitCode === null && !nexo.child.killed);
    const expected = await servedSerial(alive?.httpsPort ?? 0, 'app.example.com', root);
    expect(expected).toBeDefined();

    await redis.stop();
    const late = await startNexo(join(dir, 'n3', 'config.yaml'), env);
    nexos.push(late);
    expect(await servedSerial(late.httpsPort, 'app.example.com', root)).toBeUndefined();
    await redis.start();

    await expect
      .poll(() => servedSerial(late.httpsPort, 'app.example.com', root), {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(expected);
  });
});
