import { readFile } from 'node:fs/promises';
import type { CertificateStore } from '@nexo/certstore';
import type { NexoConfig } from '../config/types.js';
import type { Logger } from '../server/logger.js';
import type { IssueRequest, Issuer } from './issuer.js';

export interface CreateAcmeIssuerOptions {
  config: NexoConfig;
  /** Its account store keeps the ACME account key, so restarts reuse the account. */
  store: CertificateStore;
  logger: Logger;
}

/**
 * An {@link Issuer} backed by ACME with DNS-01 on Cloudflare. @nexo/acme (and its
 * dependencies) is imported here, on the first certificate that must be obtained, so a
 * server whose certificates are all stored never loads it: idle memory stays small.
 */
export async function createAcmeIssuer(options: CreateAcmeIssuerOptions): Promise<Issuer> {
  const { config, store, logger } = options;
  const acme = await import('@nexo/acme');
  const caPem = config.acme.caFile === undefined ? undefined : await readCaFile(config.acme.caFile);

  const provider = new acme.CloudflareDnsProvider({
    apiToken: config.cloudflare.apiToken,
    apiUrl: config.cloudflare.apiUrl,
    ...(config.cloudflare.zoneId === undefined ? {} : { zoneId: config.cloudflare.zoneId }),
    logger,
  });
  const solver = acme.createDns01Solver({
    provider,
    propagation: {
      ...(config.dns.resolvers.length === 0 ? {} : { resolvers: config.dns.resolvers }),
      timeoutMs: config.dns.propagationTimeoutMs,
      intervalMs: config.dns.propagationIntervalMs,
    },
    logger,
  });
  const client = acme.createAcmeClient({
    directoryUrl: config.acme.directoryUrl,
    accountStore: store.accounts,
    ...(config.acme.email === undefined ? {} : { email: config.acme.email }),
    ...(config.acme.eab === undefined
      ? {}
      : { externalAccountBinding: { kid: config.acme.eab.kid, hmacKey: config.acme.eab.hmacKey } }),
    ...(caPem === undefined ? {} : { caCertPem: caPem }),
    // Running Nexo against a CA is agreeing to its terms, as with the original nexo.
    termsOfServiceAgreed: true,
    logger,
  });

  return {
    async issue(request: IssueRequest) {
      return client.obtainCertificate({
        names: [...request.names],
        keyType: request.keyType,
        solver,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    },
    close: () => client.close(),
  };
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read acme.ca_file ${path}; check the path and its permissions`, {
      cause,
    });
  }
}
