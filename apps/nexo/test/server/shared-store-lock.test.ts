import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NexoServer, startServer } from '../../src/server/index.js';
import { makeConfig, upstream } from './config-fixture.js';
import { servedSerial } from './https-client.js';
import { createMemoryLogger } from './memory-logger.js';

describe('two servers sharing one certificate store', { timeout: 120_000 }, () => {
  let stack: AcmeStack;
  let dir: string;
  const servers: NexoServer[] = [];

  beforeAll(async () => {
    stack = await startAcmeStack({ cloudflare: { zones: ['example.com'] } });
    dir = await mkdtemp(join(tmpdir(), 'nexo-shared-'));
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.close({ deadlineMs: 500 });
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('obtains a certificate once: the second server waits for the lock and reuses it', async () => {
    const caFile = join(dir, 'pebble-ca.pem');
    await writeFile(caFile, stack.pebble.caCertPem);
    const certDir = join(dir, 'certs');
    const base = makeConfig({ certDir });
    const config = makeConfig({
      certDir,
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
      proxies: [upstream('shared.example.com', 'http://127.0.0.1:9')],
    });

    const loggers = [createMemoryLogger(), createMemoryLogger()];
    for (const logger of loggers) servers.push(await startServer({ config, logger }));

    const root = await stack.pebble.rootCertPem();
    const serials = await Promise.all(
      servers.map(async (server) => {
        await expect
          .poll(() => servedSerial(server.addresses.https.port, 'shared.example.com', root), {
            timeout: 60_000,
            interval: 250,
          })
          .toBeDefined();
        return servedSerial(server.addresses.https.port, 'shared.example.com', root);
      }),
    );

    expect(serials[0]).toBe(serials[1]);
    const created = stack.cloudflare.countRequests({ method: 'POST', path: /dns_records/ });
    expect(created).toBe(1);
    const attempts = loggers.flatMap((logger) =>
      logger.lines.filter((line) => line.msg === 'certificate attempt started'),
    );
    expect(attempts).toHaveLength(1);
  });
});
