import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');

test('examples/demo.yaml loads with the variables the demo script sets', async () => {
  const env = {
    NEXO_DEMO_DIR: '/tmp/nexo-demo',
    NEXO_DEMO_HTTPS_PORT: '8443',
    NEXO_DEMO_ACME_DIRECTORY: 'https://127.0.0.1:14000/dir',
    NEXO_DEMO_ACME_CA_FILE: '/tmp/nexo-demo/pebble.minica.pem',
    NEXO_DEMO_CLOUDFLARE_TOKEN: 'demo-token',
    NEXO_DEMO_CLOUDFLARE_API_URL: 'http://127.0.0.1:8787/client/v4',
    NEXO_DEMO_DNS_SERVER: '127.0.0.1:8053',
    NEXO_DEMO_UPSTREAM_PORT: '3000',
  };

  const { config, warnings } = await loadConfig({ path: join(EXAMPLES, 'demo.yaml'), env });

  expect(warnings).toEqual([]);
  expect(config.listen.https).toMatchObject({ host: '127.0.0.1', port: 8443 });
  expect(config.dns.resolvers).toEqual(['127.0.0.1:8053']);
  expect(config.proxies.map((entry) => entry.host)).toContain('app.demo.test');
});
