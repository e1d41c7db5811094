import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryAccountStore } from '../src/index.js';
import { clientFor, dnsNamesOf, expectChainsToPebbleRoot, solverFor } from './helpers.js';

describe('obtainCertificate against Pebble through the Cloudflare fake', () => {
  let stack: AcmeStack;

  beforeAll(async () => {
    stack = await startAcmeStack({
      cloudflare: { zones: ['example.com', 'example.org'] },
      pebble: { validityPeriodSeconds: 3600 },
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('issues one certificate for a wildcard and its apex, leaving no TXT record', async () => {
    const client = clientFor(stack);

    const cert = await client.obtainCertificate({
      names: ['*.example.com', 'example.com'],
      solver: solverFor(stack),
    });
    const leaf = await expectChainsToPebbleRoot(stack, cert.certificatePem);

    expect(dnsNamesOf(leaf)).toEqual(['*.example.com', 'example.com']);
    expect(cert.names).toEqual(['*.example.com', 'example.com']);
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeLessThanOrEqual(3601_000);
    expect(leaf.checkPrivateKey(await importKey(cert.privateKeyPem))).toBe(true);
    expect(cert.certificateUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });

  it.each(['ec256', 'ec384', 'rsa2048'] as const)(
    'issues a single host with key type %s',
    async (keyType) => {
      const client = clientFor(stack);

      const cert = await client.obtainCertificate({
        names: ['WWW.Example.org.'],
        keyType,
        solver: solverFor(stack),
      });
      const leaf = await expectChainsToPebbleRoot(stack, cert.certificatePem);

      expect(dnsNamesOf(leaf)).toEqual(['www.example.org']);
      expect(leaf.publicKey.asymmetricKeyType).toBe(keyType.startsWith('ec') ? 'ec' : 'rsa');
      expect(stack.cloudflare.records()).toEqual([]);
      client.close();
    },
  );

  it('registers the account once and reuses it from the store', async () => {
    const store = createMemoryAccountStore();
    const saves: string[] = [];
    const spyStore = {
      load: store.load,
      async save(directoryUrl: string, data: { privateKeyPem: string; accountUrl?: string }) {
        saves.push(data.accountUrl ?? 'key-only');
        await store.save(directoryUrl, data);
      },
    };
    const first = clientFor(stack, { accountStore: spyStore });
    const second = clientFor(stack, { accountStore: spyStore });

    const firstUrl = await first.ensureAccount();
    await second.obtainCertificate({ names: ['reuse.example.com'], solver: solverFor(stack) });
    const secondUrl = await second.ensureAccount();

    expect(secondUrl).toBe(firstUrl);
    expect(saves).toEqual(['key-only', firstUrl]);
    first.close();
    second.close();
  });

  it('runs concurrent orders on one client with a single account registration', async () => {
    const store = createMemoryAccountStore();
    let saves = 0;
    const countingStore = {
      load: store.load,
      async save(directoryUrl: string, data: { privateKeyPem: string; accountUrl?: string }) {
        saves += 1;
        await store.save(directoryUrl, data);
      },
    };
    const client = clientFor(stack, { accountStore: countingStore });

    const certs = await Promise.all(
      ['one.example.org', 'two.example.org'].map((name) =>
        client.obtainCertificate({ names: [name], solver: solverFor(stack) }),
      ),
    );

    expect(certs.map((cert) => cert.names[0])).toEqual(['one.example.org', 'two.example.org']);
    expect(saves).toBe(2);
    expect(stack.cloudflare.records()).toEqual([]);
    client.close();
  });
});

async function importKey(pem: string) {
  const { createPrivateKey } = await import('node:crypto');
  return createPrivateKey(pem);
}
