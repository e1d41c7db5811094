import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AcmeStack } from '@nexo/testkit';

/** A small upstream that answers with its name, the Host it saw and the path. */
export async function startNamedUpstream(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name} ${req.headers.host} ${req.url}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server };
}

export interface ExampleConfigOptions {
  dir: string;
  stack: AcmeStack;
  apiPort: number;
  blogPort: number;
  /** Extra YAML appended at the end (e.g. a renewal section). */
  extra?: string;
}

/**
 * Writes the original nexo's example config, unchanged but for its paths and upstream
 * ports, plus one host outside the wildcard and the keys a test needs (local CA, fake
 * Cloudflare API, loopback listener). The token comes from the environment, as a user
 * would keep it out of the file. Returns the path and the environment to run it with.
 */
export async function writeExampleConfig(options: ExampleConfigOptions) {
  const { dir, stack } = options;
  const caFile = join(dir, 'pebble-directory-ca.pem');
  await writeFile(caFile, stack.pebble.caCertPem);

  const yaml = `base_dir: ${dir}
cert_dir: ${dir}/certs
email: your-email@example.com
cloudflare:
  api_token: \${CLOUDFLARE_API_TOKEN}
  api_url: ${stack.cloudflare.apiUrl}
# domain-level config
wildcards:
  - "*.example.com"   # hosts under this use one wildcard certificate
proxies:
  "api.example.com":
    upstream: http://127.0.0.1:${options.apiPort}
  "blog.example.com":
    upstream: http://127.0.0.1:${options.blogPort}
  "example.com":
    redirect: github.com/yourusername   # https:// is added
  # Not under the wildcard: a certificate of its own.
  "www.example.org":
    upstream: http://127.0.0.1:${options.blogPort}

# Test keys: a local CA, a loopback listener, the test DNS server for propagation checks.
listen:
  https: 127.0.0.1:0
acme:
  directory: ${stack.pebble.directoryUrl}
  ca_file: ${caFile}
dns:
  resolvers: ["${stack.challtestsrv.dnsAddress}"]
  propagation_interval: 200ms
log:
  format: json
${options.extra ?? ''}`;

  const path = join(dir, 'config.yaml');
  await writeFile(path, yaml);
  return { path, env: { CLOUDFLARE_API_TOKEN: stack.cloudflareToken } };
}
