import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeHost } from '@nexo/router';
import { parseCertificateChain, parsePrivateKey } from './certificate-info.js';
import type { CertificateStore } from './certificate-store.js';
import { CertificateError, CertstoreError } from './errors.js';
import { errnoOf, toStorageError } from './fs-errors.js';
import { type Logger, silentLogger } from './logger.js';

/** A certificate in the original Go nexo layout: `<cert_dir>/<name>.crt` + `.key`. */
export interface LegacyCertificate {
  /** From the file name, e.g. `*.example.com` for `*.example.com.crt`. */
  name: string;
  /** The name first, then the certificate's other names. */
  names: string[];
  certificatePath: string;
  keyPath: string;
  certificatePem: string;
  privateKeyPem: string;
  notAfter: Date;
}

/** A legacy file pair that could not be read, with its path. */
export interface LegacyFailure {
  path: string;
  error: CertstoreError;
}

/** What {@link findLegacyCertificates} found in a `cert_dir`. */
export interface LegacyScan {
  certificates: LegacyCertificate[];
  failures: LegacyFailure[];
}

/** What {@link importLegacyCertificates} copied, skipped and could not read. */
export interface LegacyImportResult {
  /** Names copied into the store. */
  imported: string[];
  /** Names the store already had with the same or a later expiry. */
  skipped: string[];
  failures: LegacyFailure[];
}

/**
 * Finds the certificates of the original nexo in `certDir`. A missing directory gives
 * an empty result; a corrupt, truncated or mismatched pair is logged with its path and
 * listed in `failures`, never thrown.
 */
export async function findLegacyCertificates(
  certDir: string,
  options: { logger?: Logger } = {},
): Promise<LegacyScan> {
  const logger = options.logger ?? silentLogger;
  const scan: LegacyScan = { certificates: [], failures: [] };

  for (const file of await listCertificateFiles(certDir)) {
    const certificatePath = join(certDir, file);
    try {
      scan.certificates.push(await readLegacyPair(certDir, file.slice(0, -'.crt'.length)));
    } catch (error) {
      if (!(error instanceof CertstoreError)) throw error;
      logger.warn({ path: certificatePath, err: error }, 'skipping unusable legacy certificate');
      scan.failures.push({ path: certificatePath, error });
    }
  }
  return scan;
}

/**
 * Copies the original nexo's certificates into `store` under `directoryUrl` (the CA
 * they came from), leaving the old files untouched. A certificate is imported only
 * when the store has none of that name, or one that expires earlier; running it on
 * every start is therefore harmless.
 */
export async function importLegacyCertificates(options: {
  certDir: string;
  store: CertificateStore;
  directoryUrl: string;
  logger?: Logger;
}): Promise<LegacyImportResult> {
  const logger = (options.logger ?? silentLogger).child({ module: 'legacy-import' });
  const scan = await findLegacyCertificates(options.certDir, { logger });
  const result: LegacyImportResult = { imported: [], skipped: [], failures: scan.failures };

  for (const legacy of scan.certificates) {
    const stored = await options.store
      .load(options.directoryUrl, legacy.name)
      .catch(() => undefined);
    const storedNotAfter = stored?.meta.notAfter;
    if (storedNotAfter !== undefined && storedNotAfter >= legacy.notAfter) {
      result.skipped.push(legacy.name);
      continue;
    }

    await options.store.save({
      names: legacy.names,
      certificatePem: legacy.certificatePem,
      privateKeyPem: legacy.privateKeyPem,
      directoryUrl: options.directoryUrl,
      source: 'legacy',
    });
    logger.info({ name: legacy.name, path: legacy.certificatePath }, 'imported legacy certificate');
    result.imported.push(legacy.name);
  }
  return result;
}

async function listCertificateFiles(certDir: string): Promise<string[]> {
  try {
    const entries = await readdir(certDir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.crt'))
      .filter((entry) => !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw toStorageError(error, 'list legacy certificate directory', certDir);
  }
}

async function readLegacyPair(certDir: string, fileName: string): Promise<LegacyCertificate> {
  const certificatePath = join(certDir, `${fileName}.crt`);
  const keyPath = join(certDir, `${fileName}.key`);
  const certificatePem = await readText(certificatePath);
  const privateKeyPem = await readText(keyPath);

  const info = parseCertificateChain(certificatePem, certificatePath);
  parsePrivateKey(privateKeyPem, info.leaf, keyPath);

  const name = normalizeHost(fileName, { allowWildcard: true }) ?? fileName.toLowerCase();
  if (!info.names.includes(name)) {
    throw new CertificateError(
      'INVALID_CERTIFICATE',
      `${certificatePath}: the certificate does not cover ${name}, the name in its file name`,
      { source: certificatePath },
    );
  }

  const names = [name, ...info.names.filter((other) => other !== name)];
  return {
    name,
    names,
    certificatePath,
    keyPath,
    certificatePem,
    privateKeyPem,
    notAfter: info.notAfter,
  };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') {
      throw new CertificateError('INVALID_PRIVATE_KEY', `${path} is missing`, {
        cause: error,
        source: path,
      });
    }
    throw toStorageError(error, 'read', path);
  }
}
