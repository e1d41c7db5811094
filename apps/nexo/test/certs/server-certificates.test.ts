import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureContext } from 'node:tls';
import { CertificateStore, FileStorage } from '@nexo/certstore';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openServerCertificates } from '../../src/certs/server-certificates.js';
import type { ServerCertificates } from '../../src/server/certificates-port.js';
import { makeConfig, upstream } from '../server/config-fixture.js';
import { createMemoryLogger } from '../server/memory-logger.js';
import { createTestCa, type TestCa } from '../server/test-certificates.js';

let ca: TestCa;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-server-certificates-ca-'));
  ca = await createTestCa(dir);
  return () => rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-server-certificates-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// Unreachable on purpose: nothing here may need the CA.
const directoryUrl = 'https://127.0.0.1:9/dir';

async function open(certDir: string, hosts: string[], wildcards: string[] = []) {
  const logger = createMemoryLogger();
  const config = makeConfig({
    certDir,
    acme: { ...makeConfig({ certDir }).acme, directoryUrl },
    wildcards,
    proxies: hosts.map((host) => upstream(host, 'http://127.0.0.1:9')),
  });
  const certificates = await openServerCertificates({ config, logger });
  cleanups.push(() => certificates.close());
  return { certificates, config, logger };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The SNI callback's answer, as a TLS server would receive it. */
function contextFor(certificates: ServerCertificates, servername: string) {
  return new Promise<SecureContext | undefined>((resolve, reject) => {
    certificates.sniCallback(servername, (error, context) =>
      error === null ? resolve(context) : reject(error),
    );
  });
}

describe('openServerCertificates', () => {
  it('answers a handshake that comes before the stored certificates are loaded', async () => {
    const certDir = await tempDir();
    const storage = new FileStorage({ root: certDir });
    const store = new CertificateStore({ storage, locker: storage });
    const names = Array.from({ length: 5 }, (_, i) => `h${i}.example.test`);
    for (const name of names) {
      await store.save({ names: [name], ...(await ca.issue([name])), directoryUrl });
    }

    const { certificates } = await open(certDir, names);
    // Asked at once: loading has only started when openServerCertificates resolves.
    const contexts = await Promise.all(names.map((name) => contextFor(certificates, name)));

    expect(contexts.every((context) => context !== undefined)).toBe(true);
    expect(await contextFor(certificates, 'unknown.example.test')).toBeUndefined();
  });

  it("serves the original nexo's files imported after the store opened", async () => {
    const certDir = await tempDir();
    const legacy = await ca.issue(['*.example.com']);
    await writeFile(join(certDir, '*.example.com.crt'), legacy.certificatePem);
    await writeFile(join(certDir, '*.example.com.key'), legacy.privateKeyPem, { mode: 0o600 });

    const { certificates, config, logger } = await open(
      certDir,
      ['api.example.com'],
      ['*.example.com'],
    );
    certificates.follow(config);

    expect(await contextFor(certificates, 'api.example.com')).toBeDefined();
    expect(certificates.coversHost('api.example.com', 'www.example.com')).toBe(true);
    // Planning waited for the load: the stored certificate is not obtained again.
    await waitFor(() => logger.lines.some((line) => line.msg === 'certificate check done'));
    const check = logger.lines.find((line) => line.msg === 'certificate check done');
    expect(check).toMatchObject({ planned: 1, in_progress: 0, queued: 0 });
    expect(logger.lines.filter((line) => line.msg === 'certificate attempt started')).toEqual([]);
  });
});
