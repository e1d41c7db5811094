import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CertificateCache,
  CertificateStore,
  FileStorage,
  type StoreOptions,
} from '@nexo/certstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateMaintainer } from '../../src/certs/certificate-maintainer.js';
import type { Issuer } from '../../src/certs/issuer.js';
import { makeConfig, upstream } from '../server/config-fixture.js';
import { createMemoryLogger } from '../server/memory-logger.js';
import { createTestCa, type TestCa } from '../server/test-certificates.js';

/** File storage whose certificate writes fail while `down` is set, as a lost Redis would. */
class FlakyStorage extends FileStorage {
  down = false;

  override async store(key: string, value: Uint8Array | string, options?: StoreOptions) {
    if (this.down && key.startsWith('certificates/')) throw new Error('storage unavailable');
    return super.store(key, value, options);
  }
}

describe('CertificateMaintainer', () => {
  let dir: string;
  let ca: TestCa;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-maintainer-'));
    ca = await createTestCa(dir);
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Regression (fresh-user test): with Redis down at save time, an issued certificate was
  // dropped without a trace, and the host stayed down until the next day's check.
  it('serves a certificate it could not store, then stores it without ordering again', async () => {
    const storage = new FlakyStorage({ root: join(dir, 'certs') });
    const store = new CertificateStore({ storage, locker: storage });
    const cache = new CertificateCache();
    let orders = 0;
    const issuer: Issuer = {
      issue: async ({ names }) => {
        orders += 1;
        return ca.issue([...names]);
      },
      close: () => {},
    };
    const config = makeConfig({
      certDir: join(dir, 'certs'),
      proxies: [upstream('app.example.test', 'http://127.0.0.1:9')],
    });
    const maintainer = new CertificateMaintainer({
      store,
      cache,
      createIssuer: async () => issuer,
      logger: createMemoryLogger(),
      background: false,
    });
    maintainer.follow(config);

    storage.down = true;
    await maintainer.checkNow();

    expect(orders).toBe(1);
    expect(cache.resolve('app.example.test')).toBeDefined();
    expect(await store.load(config.acme.directoryUrl, 'app.example.test')).toBeUndefined();

    storage.down = false;
    await maintainer.checkNow();

    expect(orders).toBe(1);
    const stored = await store.load(config.acme.directoryUrl, 'app.example.test');
    expect(stored?.meta.serial).toBe(cache.resolve('app.example.test')?.serial);
    await maintainer.close();
  });

  it('warns when a reload empties the hosts or moves to another CA directory', async () => {
    const storage = new FileStorage({ root: join(dir, 'warn-certs') });
    const store = new CertificateStore({ storage, locker: storage });
    const logger = createMemoryLogger();
    const maintainer = new CertificateMaintainer({
      store,
      cache: new CertificateCache(),
      createIssuer: async () => {
        throw new Error('no certificate is needed here');
      },
      logger,
      background: false,
    });
    const config = makeConfig({ certDir: join(dir, 'warn-certs') });

    maintainer.follow(config);
    maintainer.follow({
      ...config,
      acme: { ...config.acme, directoryUrl: 'https://localhost:9/dir' },
    });
    await maintainer.close();

    const warnings = logger.lines.filter((line) => line.level === 'warn').map((line) => line.msg);
    expect(warnings).toEqual([
      'the config has no hosts: nothing is served',
      'acme directory changed: every certificate will be obtained again from the new one',
      'the config has no hosts: nothing is served',
    ]);
  });
});
