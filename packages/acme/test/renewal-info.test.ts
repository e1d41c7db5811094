import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewalCertId } from '../src/index.js';
import { parseRenewalInfo } from '../src/renewal-info.js';
import { clientFor, solverFor } from './helpers.js';

const run = promisify(execFile);

/** The ARI id computed independently, from openssl's view of the certificate. */
async function certIdWithOpenssl(certificatePem: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-ari-'));
  try {
    const file = join(dir, 'cert.pem');
    await writeFile(file, certificatePem);
    const { stdout } = await run('openssl', [
      ...['x509', '-in', file, '-noout', '-serial', '-ext', 'authorityKeyIdentifier'],
    ]);
    const serialHex = /serial=([0-9A-F]+)/i.exec(stdout)?.[1] ?? '';
    const keyIdHex = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/i.exec(stdout)?.[1]?.replaceAll(':', '') ?? '';
    const serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
    // A DER INTEGER whose first bit is set gets a leading zero byte.
    const serialDer = (serial[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), serial]) : serial;
    return `${Buffer.from(keyIdHex, 'hex').toString('base64url')}.${serialDer.toString('base64url')}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ACME Renewal Information', () => {
  let stack: AcmeStack;

  beforeAll(async () => {
    stack = await startAcmeStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('computes the certificate id and reports that Pebble 2.4 offers no ARI', async () => {
    const client = clientFor(stack);
    const cert = await client.obtainCertificate({
      names: ['ari.example.com'],
      solver: solverFor(stack),
    });

    expect(renewalCertId(cert.certificatePem)).toBe(await certIdWithOpenssl(cert.certificatePem));
    expect(await client.fetchRenewalInfo(cert.certificatePem)).toBeUndefined();
    client.close();
  });

  it.each([
    { body: { suggestedWindow: { start: '2026-01-02T00:00:00Z' } }, ok: false },
    {
      body: { suggestedWindow: { start: '2026-01-03T00:00:00Z', end: '2026-01-02T00:00:00Z' } },
      ok: false,
    },
    {
      body: { suggestedWindow: { start: '2026-01-02T00:00:00Z', end: '2026-01-03T00:00:00Z' } },
      ok: true,
    },
  ])('parses renewal windows strictly ($ok)', ({ body, ok }) => {
    const parse = () => parseRenewalInfo(body, 21_600_000);

    if (ok) {
      expect(parse()).toEqual({
        suggestedWindow: {
          start: new Date('2026-01-02T00:00:00Z'),
          end: new Date('2026-01-03T00:00:00Z'),
        },
        retryAfterMs: 21_600_000,
      });
    } else {
      expect(parse).toThrow(expect.objectContaining({ code: 'ARI_INVALID_RESPONSE' }));
    }
  });
});
