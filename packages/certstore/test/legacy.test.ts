import { X509Certificate } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateCache } from '../src/certificate-cache.js';
import { CertificateStore } from '../src/certificate-store.js';
import { FileStorage } from '../src/file-storage.js';
import { findLegacyCertificates, importLegacyCertificates } from '../src/legacy.js';
import { makeCertificate, makeTempDir, type TestCertificate } from './helpers/certificates.js';
import { recordingLogger } from './helpers/recording-logger.js';

const LE = 'https://acme-v02.api.letsencrypt.org/directory';
const cleanups: (() => Promise<void>)[] = [];
const certs = {} as Record<'apex' | 'wildcard' | 'app' | 'other', TestCertificate>;

beforeAll(async () => {
  certs.apex = await makeCertificate({ names: ['example.com'] });
  certs.wildcard = await makeCertificate({ names: ['*.example.com'] });
  certs.app = await makeCertificate({ names: ['app.example.org'], keyType: 'rsa' });
  certs.other = await makeCertificate({ names: ['other.example'] });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A `cert_dir` as the Go nexo left it, plus a few broken pairs. */
async function goCertDir(): Promise<string> {
  const dir = await makeTempDir('legacy');
  cleanups.push(dir.remove);
  const write = (name: string, text: string) =>
    writeFile(join(dir.path, name), text, { mode: 0o600 });

  await write('example.com.crt', certs.apex.certificatePem);
  await write('example.com.key', certs.apex.privateKeyPem);
  await write('*.example.com.crt', certs.wildcard.certificatePem);
  await write('*.example.com.key', certs.wildcard.privateKeyPem);
  await write('app.example.org.crt', certs.app.certificatePem);
  await write('app.example.org.key', certs.app.privateKeyPem);
  await write('truncated.example.crt', certs.other.certificatePem.slice(0, 120));
  await write('truncated.example.key', certs.other.privateKeyPem);
  await write('mismatch.example.crt', certs.other.certificatePem);
  await write('mismatch.example.key', certs.apex.privateKeyPem);
  await write('nokey.example.crt', certs.other.certificatePem);
  await write('config.yaml', 'not a certificate');
  return dir.path;
}

async function newStore() {
  const dir = await makeTempDir('legacy-store');
  cleanups.push(dir.remove);
  const storage = new FileStorage({ root: dir.path });
  await storage.prepare();
  return new CertificateStore({ storage });
}

const serialOf = (cert: TestCertificate) =>
  new X509Certificate(cert.certificatePem).serialNumber.toUpperCase();

describe('legacy Go nexo layout', () => {
  it('finds good pairs, wildcard included, reports bad ones with their path', async () => {
    const certDir = await goCertDir();
    const logger = recordingLogger();

    const scan = await findLegacyCertificates(certDir, { logger });

    expect(scan.certificates.map((cert) => cert.name)).toEqual([
      '*.example.com',
      'app.example.org',
      'example.com',
    ]);
    expect(scan.failures.map((failure) => [failure.path, failure.error.code])).toEqual([
      [join(certDir, 'mismatch.example.crt'), 'KEY_MISMATCH'],
      [join(certDir, 'nokey.example.crt'), 'INVALID_PRIVATE_KEY'],
      [join(certDir, 'truncated.example.crt'), 'INVALID_CERTIFICATE'],
    ]);
    expect(scan.failures[1]?.error.message).toContain(join(certDir, 'nokey.example.key'));
    expect(logger.entries.filter((entry) => entry.level === 'warn')).toHaveLength(3);
  });

  it('gives an empty result for a missing cert_dir', async () => {
    const scan = await findLegacyCertificates('/nonexistent/nexo/certs');

    expect(scan).toEqual({ certificates: [], failures: [] });
  });

  it('imports once, leaves the old files alone, serves them by SNI', async () => {
    const certDir = await goCertDir();
    const before = await readdir(certDir);
    const store = await newStore();

    const first = await importLegacyCertificates({ certDir, store, directoryUrl: LE });
    const second = await importLegacyCertificates({ certDir, store, directoryUrl: LE });

    expect(first.imported.sort()).toEqual(['*.example.com', 'app.example.org', 'example.com']);
    expect(first.failures).toHaveLength(3);
    expect(second.imported).toEqual([]);
    expect(second.skipped.sort()).toEqual(first.imported.sort());
    expect(await readdir(certDir)).toEqual(before);
    expect(await readFile(join(certDir, '*.example.com.crt'), 'utf8')).toBe(
      certs.wildcard.certificatePem,
    );

    const cache = new CertificateCache();
    const { records } = await store.loadAll(LE);
    for (const record of records) cache.set(record);
    expect(cache.resolve('www.example.com')?.serial).toBe(serialOf(certs.wildcard));
    expect(cache.resolve('example.com')?.serial).toBe(serialOf(certs.apex));
    expect(cache.resolve('app.example.org')?.serial).toBe(serialOf(certs.app));
    expect(records.find((record) => record.names[0] === 'app.example.org')?.meta).toMatchObject({
      source: 'legacy',
      keyType: 'rsa-2048',
      directoryUrl: LE,
    });
  });

  it('does not replace a newer certificate already in the store', async () => {
    const certDir = await goCertDir();
    const store = await newStore();
    const newer = await makeCertificate({
      names: ['example.com'],
      notAfter: new Date(Date.now() + 200 * 86_400_000),
    });
    await store.save({ names: ['example.com'], directoryUrl: LE, ...newer });

    const result = await importLegacyCertificates({ certDir, store, directoryUrl: LE });

    expect(result.skipped).toEqual(['example.com']);
    expect((await store.load(LE, 'example.com'))?.meta.serial).toBe(serialOf(newer));
  });
});
