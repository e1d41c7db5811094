import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore } from '@nexo/certstore';
import { RedisStorage } from '@nexo/certstore-redis';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NexoServer, startServer } from '../../src/server/index.js';
import { makeConfig, upstream } from './config-fixture.js';
import { request, servedSerial } from './https-client.js';
import { createMemoryLogger } from './memory-logger.js';
import { createTestCa, type TestCa } from './test-certificates.js';

const directoryUrl = 'https://127.0.0.1:9/dir';

describe('storage.type redis', { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let dir: string;
  let ca: TestCa;
  let other: RedisStorage;
  let server: NexoServer;
  const upstreamServer = createServer((req, res) => res.end(`up ${req.headers.host}`));

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), 'nexo-redis-'));
    ca = await createTestCa(dir);
    await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', resolve));

    // Another instance sharing the store: it obtained the certificate before we start.
    other = new RedisStorage({ url: redis.url, prefix: 'shared' });
    const store = new CertificateStore({ storage: other, locker: other });
    const names = ['api.example.com'];
    await store.save({ names, ...(await ca.issue(names)), directoryUrl });

    const base = makeConfig({ certDir: join(dir, 'certs') });
    const config = makeConfig({
      certDir: join(dir, 'certs'),
      acme: { ...base.acme, directoryUrl },
      storage: {
        type: 'redis',
        url: redis.url,
        prefix: 'shared',
        password: undefined,
        tlsCaFile: undefined,
        encryptionKey: undefined,
        baseDir: dir,
        certDir: join(dir, 'certs'),
      },
      proxies: [
        upstream(
          'api.example.com',
          `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`,
        ),
      ],
    });
    server = await startServer({ config, logger: createMemoryLogger() });
  }, 30_000);

  afterAll(async () => {
    await server?.close({ deadlineMs: 500 });
    await other?.close();
    await new Promise((resolve) => upstreamServer.close(resolve));
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the certificates stored in Redis at start', async () => {
    const res = await request({
      port: server.addresses.https.port,
      servername: 'api.example.com',
      ca: ca.certPem,
      protocol: 'h2',
    });
    expect(res).toMatchObject({ status: 200, body: 'up api.example.com' });
  });

  it('serves a certificate another instance renewed within seconds, without restart', async () => {
    const port = server.addresses.https.port;
    const before = await servedSerial(port, 'api.example.com', ca.certPem);

    const store = new CertificateStore({ storage: other, locker: other });
    const names = ['api.example.com'];
    const renewed = await store.save({ names, ...(await ca.issue(names)), directoryUrl });

    await expect
      .poll(() => servedSerial(port, 'api.example.com', ca.certPem), { timeout: 10_000 })
      .toBe(renewed.meta.serial);
    expect(renewed.meta.serial).not.toBe(before);
  });
});
