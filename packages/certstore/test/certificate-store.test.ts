import { X509Certificate } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../src/certificate-store.js';
import { CertificateError, CertstoreError } from '../src/errors.js';
import { FileStorage } from '../src/file-storage.js';
import { makeCertificate, makeTempDir, type TestCertificate } from './helpers/certificates.js';
import { recordingLogger } from './helpers/recording-logger.js';

const CA = 'https://127.0.0.1:14000/dir';
const OTHER_CA = 'https://acme-v02.api.letsencrypt.org/directory';
const WILDCARD_DIR = 'certificates/127.0.0.1_14000-dir/wildcard_.example.com';

const cleanups: (() => Promise<void>)[] = [];
let wildcard: TestCertificate;
let wildcardRenewed: TestCertificate;
let other: TestCertificate;
let rsa: TestCertificate;

beforeAll(async () => {
  wildcard = await makeCertificate({ names: ['*.example.com', 'example.com'] });
  wildcardRenewed = await makeCertificate({ names: ['*.example.com', 'example.com'] });
  other = await makeCertificate({ names: ['other.test'] });
  rsa = await makeCertificate({ names: ['rsa.test'], keyType: 'rsa' });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup() {
  const dir = await makeTempDir('store');
  cleanups.push(dir.remove);
  const logger = recordingLogger();
  const storage = new FileStorage({ root: dir.path, pollIntervalMs: 20 });
  await storage.prepare();
  const store = new CertificateStore({ storage, locker: storage, logger });
  return { storage, store, logger, root: dir.path };
}

const serialOf = (cert: TestCertificate) =>
  new X509Certificate(cert.certificatePem).serialNumber.toUpperCase();

const saveWildcard = (store: CertificateStore, cert = wildcard) =>
  store.save({ names: ['*.example.com', 'example.com'], directoryUrl: CA, ...cert });

describe('CertificateStore save and load', () => {
  it('saves chain, key and metadata under the wildcard-safe keys and loads them back', async () => {
    const { storage, store } = await setup();

    const saved = await saveWildcard(store);
    const loaded = await new CertificateStore({ storage }).load(CA, '*.example.com');

    expect(await storage.list(`${WILDCARD_DIR}/`)).toEqual([
      `${WILDCARD_DIR}/wildcard_.example.com.crt`,
      `${WILDCARD_DIR}/wildcard_.example.com.json`,
      `${WILDCARD_DIR}/wildcard_.example.com.key`,
    ]);
    expect(loaded).toEqual(saved);
    expect(loaded?.meta).toMatchObject({
      names: ['*.example.com', 'example.com'],
      directoryUrl: CA,
      keyType: 'ec-p256',
      serial: serialOf(wildcard),
      failureCount: 0,
      source: 'acme',
    });
    const x509 = new X509Certificate(wildcard.certificatePem);
    expect(loaded?.meta.notAfter).toEqual(new Date(x509.validTo));
    const keyMode = (await stat(storage.describe(`${WILDCARD_DIR}/wildcard_.example.com.key`)))
      .mode;
    expect(keyMode & 0o777).toBe(0o600);
  });

  it('names the key type of an RSA certificate', async () => {
    const { store } = await setup();

    const saved = await store.save({ names: ['rsa.test'], directoryUrl: CA, ...rsa });

    expect(saved.meta.keyType).toBe('rsa-2048');
  });

  it('refuses a key that does not belong to the certificate, writing nothing', async () => {
    const { storage, store } = await setup();
    const input = { names: ['other.test'], directoryUrl: CA, ...other };

    const attempt = store.save({ ...input, privateKeyPem: wildcard.privateKeyPem });

    await expect(attempt).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
    expect(await storage.list('')).toEqual([]);
  });

  it('returns undefined for a certificate never stored', async () => {
    const { store } = await setup();

    expect(await store.load(CA, 'nothing.test')).toBeUndefined();
  });
});

describe('CertificateStore with damaged files', () => {
  it('serves the previous copy when a crash left a new key beside the old chain', async () => {
    const { storage, store, logger } = await setup();
    await saveWildcard(store);
    await saveWildcard(store, wildcardRenewed);

    // The key of a renewal that crashed before its chain was written.
    await storage.store(`${WILDCARD_DIR}/wildcard_.example.com.key`, other.privateKeyPem);
    const loaded = await store.load(CA, '*.example.com');

    expect(loaded?.meta.serial).toBe(serialOf(wildcard));
    const warning = logger.entries.find((entry) => entry.level === 'warn');
    expect(warning?.fields.path).toBe(
      storage.describe(`${WILDCARD_DIR}/wildcard_.example.com.crt`),
    );
  });

  it('serves the previous copy when the current chain is truncated', async () => {
    const { storage, store } = await setup();
    await saveWildcard(store);
    await saveWildcard(store, wildcardRenewed);

    const chainPath = storage.describe(`${WILDCARD_DIR}/wildcard_.example.com.crt`);
    await writeFile(chainPath, wildcardRenewed.certificatePem.slice(0, 200));

    expect((await store.load(CA, '*.example.com'))?.meta.serial).toBe(serialOf(wildcard));
  });

  it('reports a corrupt certificate with its path, loads the others', async () => {
    const { storage, store, logger } = await setup();
    await saveWildcard(store);
    await store.save({ names: ['other.test'], directoryUrl: OTHER_CA, ...other });

    const chainPath = storage.describe(`${WILDCARD_DIR}/wildcard_.example.com.crt`);
    await writeFile(chainPath, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const result = await store.loadAll();

    expect(result.records.map((record) => record.names[0])).toEqual(['other.test']);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ name: '*.example.com', location: chainPath });
    expect(result.failures[0]?.error).toBeInstanceOf(CertificateError);
    expect(result.failures[0]?.error.message).toContain(chainPath);
    const warning = logger.entries.find(
      (entry) => entry.message === 'skipping unusable certificate',
    );
    expect(warning?.fields.path).toBe(chainPath);
  });

  it('rejects load() of a corrupt certificate that has no previous copy', async () => {
    const { storage, store } = await setup();
    await saveWildcard(store);
    await storage.store(`${WILDCARD_DIR}/wildcard_.example.com.key`, 'not a key');

    const error = await store.load(CA, '*.example.com').catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(CertificateError);
    expect((error as CertificateError).code).toBe('INVALID_PRIVATE_KEY');
    expect((error as CertificateError).message).toContain(storage.root);
  });

  it('serves a certificate whose metadata is corrupt', async () => {
    const { storage, store } = await setup();
    await saveWildcard(store);
    await storage.store(`${WILDCARD_DIR}/wildcard_.example.com.json`, '{ "names": [');

    const loaded = await store.load(CA, '*.example.com');

    expect(loaded?.names).toEqual(['*.example.com', 'example.com']);
    expect(loaded?.meta.directoryUrl).toBe(CA);
    const meta = await store.updateMeta(CA, ['*.example.com'], { failureCount: 0 });
    expect(meta.directoryUrl).toBe(CA);
  });
});

describe('CertificateStore listing', () => {
  it('lists and loads certificates of one CA or of all', async () => {
    const { store } = await setup();
    await saveWildcard(store);
    await store.save({ names: ['other.test'], directoryUrl: OTHER_CA, ...other });
    await store.recordFailure(CA, ['never.test'], {
      error: 'dns timeout',
      nextAttemptAt: new Date(Date.now() + 60_000),
    });

    expect(await store.list(CA)).toEqual([
      { ca: '127.0.0.1_14000-dir', name: 'never.test' },
      { ca: '127.0.0.1_14000-dir', name: '*.example.com' },
    ]);
    expect((await store.loadAll(CA)).records.map((record) => record.names[0])).toEqual([
      '*.example.com',
    ]);
    const all = await store.loadAll();
    expect(all.records.map((record) => record.meta.directoryUrl).sort()).toEqual([CA, OTHER_CA]);
    expect(all.failures).toEqual([]);
  });
});

describe('CertificateStore retry state', () => {
  it('persists failures across restarts and clears them on success', async () => {
    const { storage, store } = await setup();
    const nextAttemptAt = new Date('2030-01-01T00:00:00Z');
    await store.recordFailure(CA, ['*.example.com', 'example.com'], {
      error: 'first',
      nextAttemptAt,
    });
    await store.recordFailure(CA, ['*.example.com', 'example.com'], {
      error: 'rate limited',
      nextAttemptAt,
      at: new Date('2029-12-31T00:00:00Z'),
    });

    const restarted = new CertificateStore({ storage });
    expect(await restarted.loadMeta(CA, '*.example.com')).toEqual({
      names: ['*.example.com', 'example.com'],
      directoryUrl: CA,
      failureCount: 2,
      lastError: 'rate limited',
      lastAttemptAt: new Date('2029-12-31T00:00:00Z'),
      nextAttemptAt,
    });

    const saved = await saveWildcard(restarted);
    expect(saved.meta.failureCount).toBe(0);
    expect(saved.meta.lastError).toBeUndefined();
    expect((await restarted.loadMeta(CA, '*.example.com'))?.nextAttemptAt).toBeUndefined();
  });

  it('keeps an ARI window through a metadata update', async () => {
    const { store } = await setup();
    await saveWildcard(store);
    const renewalWindow = {
      start: new Date('2030-01-01T00:00:00Z'),
      end: new Date('2030-01-02T00:00:00Z'),
    };

    await store.updateMeta(CA, ['*.example.com'], { renewalWindow });

    expect((await store.load(CA, '*.example.com'))?.meta.renewalWindow).toEqual(renewalWindow);
  });
});

describe('CertificateStore accounts', () => {
  it('saves and loads an account per CA directory, key file 0600', async () => {
    const { storage, store } = await setup();
    const account = { privateKeyPem: other.privateKeyPem, accountUrl: `${CA}/acct/1` };

    expect(await store.accounts.load(CA)).toBeUndefined();
    await store.accounts.save(CA, account);

    expect(await store.accounts.load(CA)).toEqual(account);
    expect(await store.accounts.load(OTHER_CA)).toBeUndefined();
    const mode = (await stat(storage.describe('accounts/127.0.0.1_14000-dir/account.key'))).mode;
    expect(mode & 0o777).toBe(0o600);
  });

  it('keeps the key when the account URL file is corrupt, rejects a corrupt key', async () => {
    const { storage, store } = await setup();
    await store.accounts.save(CA, { privateKeyPem: other.privateKeyPem });
    await storage.store('accounts/127.0.0.1_14000-dir/account.json', '{');

    expect(await store.accounts.load(CA)).toEqual({ privateKeyPem: other.privateKeyPem });

    await storage.store('accounts/127.0.0.1_14000-dir/account.key', 'garbage');
    await expect(store.accounts.load(CA)).rejects.toMatchObject({ code: 'INVALID_PRIVATE_KEY' });
  });
});

describe('CertificateStore locks', () => {
  it('locks a certificate for issuance, and needs a locker to do so', async () => {
    const { storage, store } = await setup();

    const lock = await store.lock(CA, '*.example.com');
    expect(lock.name).toBe('issue/127.0.0.1_14000-dir/wildcard_.example.com');
    await lock.unlock();

    const withoutLocker = new CertificateStore({ storage });
    const error = await withoutLocker.lock(CA, 'x.test').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CertstoreError);
    expect((error as CertstoreError).code).toBe('NO_LOCKER');
  });
});
