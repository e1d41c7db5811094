// Obtains a wildcard + apex certificate from a local Pebble through the fake Cloudflare API,
// then prints the names and expiry. Needs `pnpm build` first (it uses the built dist).
//
//   node examples/acme-obtain.mjs
import { X509Certificate } from 'node:crypto';
import {
  CloudflareDnsProvider,
  createAcmeClient,
  createDns01Solver,
  createMemoryAccountStore,
} from '../packages/acme/dist/index.js';
import { startAcmeStack } from '../packages/testkit/dist/index.js';

const stack = await startAcmeStack({ cloudflare: { zones: ['example.com'] } });
const client = createAcmeClient({
  directoryUrl: stack.pebble.directoryUrl,
  caCertPem: stack.pebble.caCertPem, // Pebble's directory uses a throwaway CA
  email: 'admin@example.com',
  termsOfServiceAgreed: true,
  accountStore: createMemoryAccountStore(),
  pollIntervalMs: 200,
});

try {
  const solver = createDns01Solver({
    provider: new CloudflareDnsProvider({
      apiToken: stack.cloudflareToken,
      apiUrl: stack.cloudflare.apiUrl,
    }),
    propagation: { resolvers: [stack.challtestsrv.dnsAddress], intervalMs: 100 },
  });

  const cert = await client.obtainCertificate({
    names: ['*.example.com', 'example.com'],
    solver,
  });

  const root = new X509Certificate(await stack.pebble.rootCertPem());
  const intermediate = new X509Certificate(await stack.pebble.intermediateCertPem());
  const leaf = new X509Certificate(cert.certificatePem);
  const chainOk = leaf.verify(intermediate.publicKey) && intermediate.verify(root.publicKey);

  console.log(`names:      ${cert.names.join(', ')}`);
  console.log(`expires:    ${cert.notAfter.toISOString()}`);
  console.log(`issuer:     ${cert.issuerName.replaceAll('\n', ', ')}`);
  console.log(`verifies against Pebble's root: ${chainOk}`);
  console.log(`TXT records left behind: ${stack.cloudflare.records().length}`);
  if (!chainOk || stack.cloudflare.records().length > 0) process.exitCode = 1;
} finally {
  client.close();
  await stack.close();
}
