import {
  CertificateCache,
  type CertificateMeta,
  type CertificateStore,
  planRenewal,
} from '@nexo/certstore';
import type { NexoConfig } from '../config/types.js';
import { type Logger, silentLogger } from '../server/logger.js';
import { createAcmeIssuer } from './acme-issuer.js';
import { CertificateMaintainer } from './certificate-maintainer.js';
import { openCertificateStore } from './open-store.js';
import { planCertificates } from './plan-certificates.js';

/** One row of `nexo certs list`. */
export interface CertificateListing {
  /** The certificate's name: a host or `*.example.com`. */
  name: string;
  /** The names it covers (planned names when not obtained yet). */
  names: string[];
  /**
   * `valid`; `missing` (planned, not obtained yet); `expired`; `unused` (stored but no
   * configured host needs it any more: kept on disk, not renewed).
   */
  status: 'valid' | 'missing' | 'expired' | 'unused';
  notAfter: Date | undefined;
  /** When maintenance will renew it; `undefined` for unused certificates. */
  nextRenewalAt: Date | undefined;
  /** After a failure: not retried before this time. */
  nextAttemptAt: Date | undefined;
  failureCount: number;
  lastError: string | undefined;
}

/**
 * Lists the certificates the config needs and those stored for its CA, with expiry,
 * next renewal and the last error. Reads the store only: never contacts the CA.
 */
export async function listCertificates(config: NexoConfig): Promise<CertificateListing[]> {
  const opened = await openCertificateStore(config, silentLogger);
  try {
    return await listStored(opened.store, config);
  } finally {
    await opened.close();
  }
}

async function listStored(
  store: CertificateStore,
  config: NexoConfig,
): Promise<CertificateListing[]> {
  const directoryUrl = config.acme.directoryUrl;
  const plan = planCertificates({
    hosts: config.proxies.map((entry) => entry.host),
    wildcards: config.wildcards,
  });

  const stored = await store.list(directoryUrl);
  const names = [...new Set([...plan.map((entry) => entry.name), ...stored.map((s) => s.name)])];
  const now = new Date();

  const rows: CertificateListing[] = [];
  for (const name of names.sort()) {
    const planned = plan.find((entry) => entry.name === name);
    const record = await store.load(directoryUrl, name).catch(() => undefined);
    const meta = record?.meta ?? (await store.loadMeta(directoryUrl, name).catch(() => undefined));
    rows.push(listing(name, planned?.domains, meta, record !== undefined, now));
  }
  return rows;
}

function listing(
  name: string,
  plannedNames: string[] | undefined,
  meta: CertificateMeta | undefined,
  stored: boolean,
  now: Date,
): CertificateListing {
  const notAfter = stored ? meta?.notAfter : undefined;
  const notBefore = stored ? meta?.notBefore : undefined;
  const renewal =
    notAfter === undefined || notBefore === undefined || plannedNames === undefined
      ? undefined
      : planRenewal({
          notBefore,
          notAfter,
          now,
          ...(meta?.serial === undefined ? {} : { seed: meta.serial }),
          ...(meta?.renewalWindow === undefined ? {} : { renewalWindow: meta.renewalWindow }),
        });

  return {
    name,
    names: plannedNames ?? meta?.names ?? [name],
    status: statusOf(plannedNames !== undefined, stored, notAfter, now),
    notAfter,
    nextRenewalAt: renewal?.renewAt,
    nextAttemptAt: meta?.nextAttemptAt,
    failureCount: meta?.failureCount ?? 0,
    lastError: meta?.lastError,
  };
}

function statusOf(
  planned: boolean,
  stored: boolean,
  notAfter: Date | undefined,
  now: Date,
): CertificateListing['status'] {
  if (!planned) return 'unused';
  if (!stored) return 'missing';
  return notAfter !== undefined && notAfter <= now ? 'expired' : 'valid';
}

/**
 * Obtains a new certificate for `name` (a certificate name, or a host it covers) now, whatever its renewal time or backoff, under
 * the same lock a running server uses. A running server picks it up at its next check
 * or on reload (SIGHUP). Rejects with the CA's or DNS API's error.
 */
export async function renewCertificate(
  config: NexoConfig,
  name: string,
  logger: Logger,
): Promise<CertificateListing> {
  const certLogger = logger.child({ component: 'certificates' });
  const opened = await openCertificateStore(config, certLogger);
  const { store } = opened;
  const maintainer = new CertificateMaintainer({
    store,
    cache: new CertificateCache({ logger: certLogger }),
    createIssuer: (current) => createAcmeIssuer({ config: current, store, logger: certLogger }),
    logger: certLogger,
    background: false,
  });

  try {
    maintainer.follow(config);
    const record = await maintainer.renewNow(name);
    const planned = maintainer.findPlanned(name);
    return listing(planned?.name ?? name, planned?.domains, record.meta, true, new Date());
  } finally {
    await maintainer.close();
    await opened.close();
  }
}
