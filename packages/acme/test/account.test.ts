import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKeyPem } from '../src/certificate-key.js';
import { createMemoryAccountStore } from '../src/index.js';
import { clientFor, expectChainsToPebbleRoot, solverFor } from './helpers.js';

describe('ACME account', () => {
  let stack: AcmeStack;

  beforeAll(async () => {
    stack = await startAcmeStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('registers the stored key again when the CA no longer knows the account', async () => {
    const store = createMemoryAccountStore();
    const privateKeyPem = await generatePrivateKeyPem('ec256');
    const forgotten = stack.pebble.directoryUrl.replace(/\/dir$/, '/my-account/999999');
    await store.save(stack.pebble.directoryUrl, { privateKeyPem, accountUrl: forgotten });
    const client = clientFor(stack, { accountStore: store });

    const cert = await client.obtainCertificate({
      names: ['again.example.com'],
      solver: solverFor(stack),
    });
    const saved = await store.load(stack.pebble.directoryUrl);

    await expectChainsToPebbleRoot(stack, cert.certificatePem);
    expect(saved?.privateKeyPem).toBe(privateKeyPem);
    expect(saved?.accountUrl).not.toBe(forgotten);
    client.close();
  });

  it('needs the terms of service to be agreed', async () => {
    const client = clientFor(stack, { termsOfServiceAgreed: false });

    await expect(client.ensureAccount()).rejects.toMatchObject({
      code: 'ACME_AGREEMENT_REQUIRED',
      status: 403,
      message: expect.stringMatching(/termsOfServiceAgreed/),
    });
    client.close();
  });
});
