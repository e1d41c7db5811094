import { StorageError } from './errors.js';
import { isValidStorageKey } from './storage-key.js';

/**
 * The storage layout, in one place. Every key this package reads or writes comes from
 * here:
 *
 * ```
 * accounts/<ca>/account.key              ACME account private key (secret)
 * accounts/<ca>/account.json             { accountUrl }
 * certificates/<ca>/<cert>/<cert>.crt    full chain, leaf first
 * certificates/<ca>/<cert>/<cert>.key    private key (secret)
 * certificates/<ca>/<cert>/<cert>.json   metadata (names, dates, attempt state)
 * certificates/<ca>/<cert>/previous.crt  the chain replaced by the last save
 * certificates/<ca>/<cert>/previous.key  its key (secret)
 * lock names: issue/<ca>/<cert>, account/<ca>
 * ```
 *
 * `<ca>` is {@link directorySegment} of the CA directory URL and `<cert>` is
 * {@link nameSegment} of the certificate's first name.
 */

const ACCOUNTS = 'accounts';
const CERTIFICATES = 'certificates';
const WILDCARD_PREFIX = 'wildcard_';

/** The keys of one ACME account. */
export interface AccountKeys {
  privateKey: string;
  meta: string;
}

/** The keys of one certificate. */
export interface CertificateKeys {
  chain: string;
  privateKey: string;
  meta: string;
  previousChain: string;
  previousPrivateKey: string;
}

/**
 * A CA directory URL as one key segment: host, port and path joined, anything else
 * replaced by `_`. `https://acme-v02.api.letsencrypt.org/directory` becomes
 * `acme-v02.api.letsencrypt.org-directory`.
 */
export function directorySegment(directoryUrl: string): string {
  let url: URL;
  try {
    url = new URL(directoryUrl);
  } catch (error) {
    throw new StorageError('INVALID_KEY', `invalid CA directory URL ${directoryUrl}`, {
      cause: error,
    });
  }

  const host = url.port === '' ? url.hostname : `${url.hostname}_${url.port}`;
  const path = url.pathname.split('/').filter(Boolean).join('-');
  const raw = path === '' ? host : `${host}-${path}`;
  return checked(raw.toLowerCase().replace(/[^a-z0-9._-]/g, '_'), directoryUrl);
}

/**
 * A certificate name (a normalised host, possibly `*.`-prefixed) as one key segment:
 * `*.example.com` becomes `wildcard_.example.com`; characters outside `a-z0-9.-`
 * (IPv6 literals) become `_`.
 */
export function nameSegment(name: string): string {
  const lower = name.toLowerCase();
  const bare = lower.startsWith('*.') ? lower.slice(1) : lower;
  const safe = bare.replace(/[^a-z0-9._-]/g, '_');
  return checked(lower.startsWith('*.') ? `${WILDCARD_PREFIX}${safe}` : safe, name);
}

/** Reverses {@link nameSegment} for everything except IPv6 literals. */
export function nameFromSegment(segment: string): string {
  return segment.startsWith(`${WILDCARD_PREFIX}.`)
    ? `*${segment.slice(WILDCARD_PREFIX.length)}`
    : segment;
}

/** Storage keys of the ACME account kept for the CA at `directoryUrl`. */
export function accountKeys(directoryUrl: string): AccountKeys {
  const base = `${ACCOUNTS}/${directorySegment(directoryUrl)}`;
  return { privateKey: `${base}/account.key`, meta: `${base}/account.json` };
}

/** Storage keys of the certificate named `name` (its first name) issued by that CA. */
export function certificateKeys(directoryUrl: string, name: string): CertificateKeys {
  return certificateKeysBySegment(directorySegment(directoryUrl), nameSegment(name));
}

/** Like {@link certificateKeys}, for segments already read back from `list()`. */
export function certificateKeysBySegment(ca: string, cert: string): CertificateKeys {
  const base = `${CERTIFICATES}/${ca}/${cert}`;
  return {
    chain: `${base}/${cert}.crt`,
    privateKey: `${base}/${cert}.key`,
    meta: `${base}/${cert}.json`,
    previousChain: `${base}/previous.crt`,
    previousPrivateKey: `${base}/previous.key`,
  };
}

/** The prefix under which `list()` finds certificates, of one CA or of all. */
export function certificatesPrefix(directoryUrl?: string): string {
  return directoryUrl === undefined
    ? `${CERTIFICATES}/`
    : `${CERTIFICATES}/${directorySegment(directoryUrl)}/`;
}

/**
 * Splits a key found under {@link certificatesPrefix} into its CA and certificate
 * segments when it is a certificate's metadata or chain; `undefined` otherwise.
 */
export function parseCertificateKey(key: string): { ca: string; cert: string } | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || parts[0] !== CERTIFICATES) return undefined;

  const [, ca, cert, file] = parts as [string, string, string, string];
  if (file !== `${cert}.json` && file !== `${cert}.crt`) return undefined;
  return { ca, cert };
}

/** Lock held while obtaining or renewing one certificate. */
export function issueLockName(directoryUrl: string, name: string): string {
  return `issue/${directorySegment(directoryUrl)}/${nameSegment(name)}`;
}

/** Lock held while creating the ACME account of one CA. */
export function accountLockName(directoryUrl: string): string {
  return `account/${directorySegment(directoryUrl)}`;
}

function checked(segment: string, input: string): string {
  if (isValidStorageKey(segment)) return segment;

  throw new StorageError('INVALID_KEY', `cannot build a storage key from ${input}`, {
    key: segment,
  });
}
