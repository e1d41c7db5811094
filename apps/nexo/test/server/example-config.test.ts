import { join } from 'node:path';
import { expect, it } from 'vitest';
import { planCertificates } from '../../src/certs/plan-certificates.js';
import { loadConfig } from '../../src/config/index.js';

const EXAMPLE = join(import.meta.dirname, '../../../../examples/config.yaml');

it('examples/config.yaml loads cleanly and needs one wildcard certificate', async () => {
  const { config, warnings } = await loadConfig({
    path: EXAMPLE,
    env: { CLOUDFLARE_API_TOKEN: 'example-token' },
  });

  expect(warnings).toEqual([]);
  expect(config.proxies.map((entry) => entry.host)).toEqual([
    'api.example.com',
    'blog.example.com',
    'example.com',
  ]);
  expect(
    planCertificates({
      hosts: ['api.example.com', 'blog.example.com', 'example.com'],
      wildcards: config.wildcards,
    }),
  ).toEqual([{ name: '*.example.com', domains: ['*.example.com', 'example.com'] }]);
});
