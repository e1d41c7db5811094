import { X509Certificate } from 'node:crypto';
import type { AcmeStack } from '@nexo/testkit';
import {
  type AcmeClientOptions,
  CloudflareDnsProvider,
  type CloudflareDnsProviderOptions,
  createAcmeClient,
  createDns01Solver,
  createMemoryAccountStore,
  type DnsProvider,
  type PropagationOptions,
} from '../src/index.js';

/** Short intervals: Pebble answers at once when PEBBLE_VA_NOSLEEP=1. */
export const FAST_POLL = { pollIntervalMs: 100, pollTimeoutMs: 20_000 };
export const FAST_RETRY = { maxAttempts: 4, minDelayMs: 20, maxDelayMs: 200 };

export function clientFor(stack: AcmeStack, options: Partial<AcmeClientOptions> = {}) {
  return createAcmeClient({
    directoryUrl: stack.pebble.directoryUrl,
    caCertPem: stack.pebble.caCertPem,
    termsOfServiceAgreed: true,
    email: 'admin@example.com',
    accountStore: createMemoryAccountStore(),
    ...FAST_POLL,
    ...options,
  });
}

export function providerFor(stack: AcmeStack, options: Partial<CloudflareDnsProviderOptions> = {}) {
  return new CloudflareDnsProvider({
    apiToken: stack.cloudflareToken,
    apiUrl: stack.cloudflare.apiUrl,
    retry: FAST_RETRY,
    ...options,
  });
}

export function solverFor(
  stack: AcmeStack,
  provider: DnsProvider = providerFor(stack),
  propagation: PropagationOptions = {},
) {
  return createDns01Solver({
    provider,
    propagation: {
      resolvers: [stack.challtestsrv.dnsAddress],
      intervalMs: 50,
      timeoutMs: 5000,
      queryTimeoutMs: 500,
      ...propagation,
    },
  });
}

/** Checks leaf → intermediate → Pebble root with node:crypto. */
export async function expectChainsToPebbleRoot(stack: AcmeStack, certificatePem: string) {
  const root = new X509Certificate(await stack.pebble.rootCertPem());
  const pems = certificatePem.match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  const [leaf, intermediate] = (pems ?? []).map((pem) => new X509Certificate(pem));
  if (leaf === undefined || intermediate === undefined) {
    throw new Error(`expected leaf + chain, got ${pems?.length ?? 0} certificates`);
  }
  if (!leaf.checkIssued(intermediate) || !leaf.verify(intermediate.publicKey)) {
    throw new Error('leaf is not signed by the intermediate');
  }
  if (!intermediate.checkIssued(root) || !intermediate.verify(root.publicKey)) {
    throw new Error("intermediate is not signed by Pebble's root");
  }
  return leaf;
}

/** The SAN DNS names of a certificate, sorted. */
export function dnsNamesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4))
    .sort();
}
