import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AcmeStack, startAcmeStack } from '../src/acme-stack.js';
import { httpsGet } from '../src/https-get.js';

describe('acme stack', () => {
  let stack: AcmeStack;

  beforeAll(async () => {
    stack = await startAcmeStack({ cloudflare: { zones: ['example.com'] } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('serves the Pebble directory over TLS signed by the listener CA', async () => {
    const directory = JSON.parse(await httpsGet(stack.pebble.directoryUrl, stack.pebble.caCertPem));
    const root = new X509Certificate(await stack.pebble.rootCertPem());

    expect(directory.newOrder).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(root.subject).toContain('Pebble Root CA');
  });

  it('mirrors TXT records created through the fake into challtestsrv', async () => {
    const zoneId = stack.cloudflare.zoneId('example.com');
    const url = `${stack.cloudflare.apiUrl}/zones/${zoneId}/dns_records`;
    const headers = { authorization: `Bearer ${stack.cloudflareToken}` };
    const name = '_acme-challenge.mirror.example.com';

    const ids: string[] = [];
    for (const content of ['one', 'two']) {
      const body = JSON.stringify({ type: 'TXT', name, content });
      const response = await fetch(url, { method: 'POST', headers, body });
      ids.push(((await response.json()) as { result: { id: string } }).result.id);
    }
    await stack.cloudflare.settled();
    const both = await stack.challtestsrv.lookupTxt(name);

    await fetch(`${url}/${ids[0]}`, { method: 'DELETE', headers });
    await stack.cloudflare.settled();
    const remaining = await stack.challtestsrv.lookupTxt(name);

    expect(both.sort()).toEqual(['one', 'two']);
    expect(remaining).toEqual(['two']);
  });
});
