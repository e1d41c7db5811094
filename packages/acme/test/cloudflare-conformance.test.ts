import { type CloudflareFake, startCloudflareFake } from '@nexo/testkit';
import { afterAll, beforeAll } from 'vitest';
import { describeDnsProviderConformance } from '../src/conformance.js';
import { CloudflareDnsProvider } from '../src/index.js';

let fake: CloudflareFake;

beforeAll(async () => {
  // Quoted content and tiny pages: the provider must unquote and paginate.
  fake = await startCloudflareFake({
    token: 'conformance-token',
    zones: ['example.com', 'example.net'],
    txtContent: 'quoted',
    maxPerPage: 1,
  });
});

afterAll(async () => {
  await fake?.close();
});

describeDnsProviderConformance({
  name: 'Cloudflare (fake API v4)',
  zone: 'example.com',
  unmanagedName: '_acme-challenge.example.org',
  createProvider: () =>
    new CloudflareDnsProvider({ apiToken: 'conformance-token', apiUrl: fake.apiUrl }),
  readTxt: async (name) =>
    fake
      .records('example.com')
      .filter((record) => record.type === 'TXT' && record.name === name)
      .map((record) => record.value),
});
