import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { normalizeHost } from '@nexo/router';
import { parseCertificateChain } from './certificate-info.js';
import { CertificateError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import { wildcardFor } from './name-match.js';

/** A certificate ready for handshakes. */
export interface CachedCertificate {
  /** The certificate's name (its first name); one entry per name in the cache. */
  name: string;
  /** Every name it covers: its subject alternative names. */
  names: readonly string[];
  context: SecureContext;
  notAfter: Date;
  serial: string;
}

/** What {@link CertificateCache.set} needs; a `CertificateRecord` fits. */
export interface CacheableCertificate {
  names: readonly string[];
  certificatePem: string;
  privateKeyPem: string;
}

/** Options of {@link CertificateCache}. */
export interface CertificateCacheOptions {
  /**
   * Options merged into every context (e.g. `minVersion`, `ciphers`); `cert` and `key`
   * come from the certificate.
   */
  secureContextOptions?: SecureContextOptions;
  logger?: Logger;
}

type SniCallback = (
  servername: string,
  callback: (error: Error | null, context?: SecureContext) => void,
) => void;

/**
 * Ready `SecureContext`s by name, for SNI.
 *
 * A context is built once per certificate, when it is `set`; renewing swaps the entry
 * and the name index in one assignment, so the next handshake uses the new certificate
 * and handshakes never see a half-updated table. Lookups never add anything: an unknown
 * or empty server name costs no memory and triggers no issuance.
 */
export class CertificateCache {
  private certificates = new Map<string, CachedCertificate>();
  private index = new Map<string, CachedCertificate>();
  private readonly contextOptions: SecureContextOptions;
  private readonly logger: Logger;

  constructor(options: CertificateCacheOptions = {}) {
    this.contextOptions = { ...options.secureContextOptions };
    this.logger = (options.logger ?? silentLogger).child({ module: 'certificate-cache' });
  }

  /**
   * Adds or replaces the certificate named `names[0]`. The context is built before
   * anything changes, so a bad certificate throws `CertificateError` and the one
   * already cached keeps serving.
   */
  set(certificate: CacheableCertificate): CachedCertificate {
    const entry = this.build(certificate);

    const next = new Map(this.certificates);
    next.set(entry.name, entry);
    this.swap(next);

    this.logger.debug({ name: entry.name, serial: entry.serial }, 'certificate cached');
    return entry;
  }

  /** Removes the certificate named `name`; true when there was one. */
  delete(name: string): boolean {
    if (!this.certificates.has(name)) return false;

    const next = new Map(this.certificates);
    next.delete(name);
    this.swap(next);
    return true;
  }

  /** The certificate named `name` (its first name), if cached. */
  get(name: string): CachedCertificate | undefined {
    return this.certificates.get(name);
  }

  /** Every cached certificate. */
  list(): CachedCertificate[] {
    return [...this.certificates.values()];
  }

  get size(): number {
    return this.certificates.size;
  }

  /**
   * The certificate for a TLS server name or Host: normalised, then exact name, then
   * the one-label wildcard. `undefined` when none covers it (also for empty or
   * malformed names).
   */
  resolve(servername: string | undefined): CachedCertificate | undefined {
    if (servername === undefined || servername.length === 0) return undefined;
    const host = normalizeHost(servername);
    if (host === undefined) return undefined;

    const exact = this.index.get(host);
    const wildcardName = wildcardFor(host);
    const wildcard = wildcardName === undefined ? undefined : this.index.get(wildcardName);
    if (exact === undefined) return wildcard;

    // An exact certificate may be one nothing renews any more (a host now under a listed
    // wildcard, an imported legacy file): once it has expired, a valid wildcard wins.
    if (wildcard !== undefined && exact.notAfter.getTime() <= Date.now()) {
      return wildcard.notAfter.getTime() > exact.notAfter.getTime() ? wildcard : exact;
    }
    return exact;
  }

  /**
   * For `tls.createServer({ SNICallback })`, https and http2 alike. An unknown name
   * gets no context, so the server's default context (if any) is used; without one
   * the handshake fails.
   */
  readonly sniCallback: SniCallback = (servername, callback) => {
    callback(null, this.resolve(servername)?.context);
  };

  private build(certificate: CacheableCertificate): CachedCertificate {
    const name = certificate.names[0];
    if (name === undefined) {
      throw new CertificateError('INVALID_CERTIFICATE', 'a certificate needs a name');
    }

    const info = parseCertificateChain(certificate.certificatePem, `certificate ${name}`);
    let context: SecureContext;
    try {
      context = createSecureContext({
        ...this.contextOptions,
        cert: certificate.certificatePem,
        key: certificate.privateKeyPem,
      });
    } catch (error) {
      throw new CertificateError('KEY_MISMATCH', `certificate ${name}: unusable for TLS`, {
        cause: error,
        source: name,
      });
    }

    return { name, names: info.names, context, notAfter: info.notAfter, serial: info.serial };
  }

  /** Replaces the table and rebuilds the name index in one step. */
  private swap(certificates: Map<string, CachedCertificate>): void {
    const index = new Map<string, CachedCertificate>();
    for (const entry of certificates.values()) {
      for (const name of entry.names) {
        const other = index.get(name);
        // Two certificates for one name: the one valid longer wins.
        if (other === undefined || other.notAfter < entry.notAfter) index.set(name, entry);
      }
    }

    this.certificates = certificates;
    this.index = index;
  }
}
