import { CertificateError } from './errors.js';

/** An ACME renewal information (ARI, RFC 9773) window suggested by the CA. */
export interface RenewalWindow {
  start: Date;
  end: Date;
}

/**
 * Everything known about one certificate besides its PEM text. The date and serial
 * fields are read from the certificate itself whenever it is loaded; the attempt
 * fields are the persisted retry state, so a restart does not hammer the CA.
 */
export interface CertificateMeta {
  /** Names the certificate was requested for; the first is the certificate's name. */
  names: string[];
  /** ACME directory URL of the CA that issued it (or that is being asked). */
  directoryUrl: string;
  /** `ec-p256`, `rsa-2048`, ...; `undefined` before the first issuance. */
  keyType?: string;
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
  /** When the last obtain or renew attempt started, successful or not. */
  lastAttemptAt?: Date;
  /** Do not try again before this time (set after a failure: backoff). */
  nextAttemptAt?: Date;
  /** Failed attempts since the last success. */
  failureCount: number;
  /** Message of the last failure, for `nexo certs list`; never holds secrets. */
  lastError?: string;
  /** The CA's suggested renewal window, when it offers ARI. */
  renewalWindow?: RenewalWindow;
  /** `legacy` when imported from the original Go nexo's `cert_dir`. */
  source?: 'acme' | 'legacy';
}

/** A stored certificate: full chain (leaf first), its private key and metadata. */
export interface CertificateRecord {
  names: string[];
  certificatePem: string;
  privateKeyPem: string;
  meta: CertificateMeta;
}

/** The persisted retry state that {@link CertificateStore.updateMeta} may change. */
export type CertificateMetaPatch = Partial<
  Pick<
    CertificateMeta,
    'lastAttemptAt' | 'nextAttemptAt' | 'failureCount' | 'lastError' | 'renewalWindow'
  >
>;

const DATE_FIELDS = ['notBefore', 'notAfter', 'lastAttemptAt', 'nextAttemptAt'] as const;
const STRING_FIELDS = ['keyType', 'serial', 'lastError', 'source'] as const;

/** Metadata as JSON text: dates as ISO strings, absent fields left out. */
export function serializeMeta(meta: CertificateMeta): string {
  const window = meta.renewalWindow;
  const json = {
    ...meta,
    renewalWindow:
      window === undefined
        ? undefined
        : { start: window.start.toISOString(), end: window.end.toISOString() },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Parses {@link serializeMeta} output; throws `CertificateError` naming `source`. */
export function parseMeta(text: string, source: string): CertificateMeta {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw invalid(source, 'is not JSON', error);
  }

  if (typeof value !== 'object' || value === null) throw invalid(source, 'is not an object');
  if (!Array.isArray(value.names) || !value.names.every((n) => typeof n === 'string')) {
    throw invalid(source, 'has no "names" list');
  }
  if (typeof value.directoryUrl !== 'string') throw invalid(source, 'has no "directoryUrl"');

  const failureCount = Number(value.failureCount ?? 0);
  if (!Number.isInteger(failureCount) || failureCount < 0) {
    throw invalid(source, 'has an invalid "failureCount"');
  }
  for (const field of STRING_FIELDS) {
    const text = value[field];
    if (text !== undefined && typeof text !== 'string') {
      throw invalid(source, `has a non-text "${field}"`);
    }
  }

  const meta: Record<string, unknown> = { ...value, failureCount };
  for (const field of DATE_FIELDS) meta[field] = parseDate(value[field], field, source);
  meta.renewalWindow = parseWindow(value.renewalWindow, source);
  return meta as unknown as CertificateMeta;
}

function parseWindow(value: unknown, source: string): RenewalWindow | undefined {
  if (value === undefined || value === null) return undefined;

  const window = value as { start?: unknown; end?: unknown };
  const start = parseDate(window.start, 'renewalWindow.start', source);
  const end = parseDate(window.end, 'renewalWindow.end', source);
  if (start === undefined || end === undefined) throw invalid(source, 'has a broken window');
  return { start, end };
}

function parseDate(value: unknown, field: string, source: string): Date | undefined {
  if (value === undefined || value === null) return undefined;

  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw invalid(source, `has an invalid date in "${field}"`);
  return date;
}

function invalid(source: string, problem: string, cause?: unknown): CertificateError {
  return new CertificateError('INVALID_METADATA', `${source}: metadata ${problem}`, {
    cause,
    source,
  });
}
