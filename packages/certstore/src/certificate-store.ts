import { AccountStore } from './account-store.js';
import { parseCertificateChain, parsePrivateKey } from './certificate-info.js';
import {
  type CertificateMeta,
  type CertificateMetaPatch,
  type CertificateRecord,
  parseMeta,
  type RenewalWindow,
  serializeMeta,
} from './certificate-record.js';
import { CertificateError, CertstoreError, type StorageError } from './errors.js';
import {
  type CertificateKeys,
  certificateKeys,
  certificateKeysBySegment,
  certificatesPrefix,
  issueLockName,
  nameFromSegment,
  nameSegment,
  parseCertificateKey,
} from './keys.js';
import { type Logger, silentLogger } from './logger.js';
import type { Lock, Locker, LockOptions, OperationOptions, Storage } from './storage.js';

/** Options of {@link CertificateStore}: the backend it keeps everything in. */
export interface CertificateStoreOptions {
  storage: Storage;
  /** Needed only for {@link CertificateStore.lock}; usually the same object as `storage`. */
  locker?: Locker;
  logger?: Logger;
}

/** A freshly obtained (or imported) certificate to save. */
export interface CertificateInput {
  /** Requested names; the first is the certificate's name and picks its storage keys. */
  names: string[];
  certificatePem: string;
  privateKeyPem: string;
  directoryUrl: string;
  renewalWindow?: RenewalWindow;
  source?: 'acme' | 'legacy';
}

/** A certificate found by {@link CertificateStore.list}. */
export interface StoredCertificate {
  /** The certificate's name (the first requested name). */
  name: string;
  /** Storage key segment of its CA directory (see `directorySegment`). */
  ca: string;
}

/** A certificate that {@link CertificateStore.loadAll} skipped, and why. */
export interface LoadFailure {
  name: string;
  /** Where the bad data lives (a file path for `FileStorage`). */
  location: string;
  error: CertificateError | StorageError;
}

/** Every certificate that loaded, and each one that did not with its reason. */
export interface LoadAllResult {
  records: CertificateRecord[];
  failures: LoadFailure[];
}

/** A chain and key read from storage, and where they came from. */
interface StoredPair {
  certificatePem: string;
  privateKeyPem: string;
  chainKey: string;
}

/**
 * Certificates, their keys and metadata, plus ACME accounts (`accounts`), over any
 * {@link Storage}.
 *
 * Saving keeps the replaced chain and key as the "previous" copy, and loading falls
 * back to it when the current pair is corrupt or torn (a crash between the key and the
 * chain write), so one bad write never loses a working certificate.
 */
export class CertificateStore {
  readonly accounts: AccountStore;
  private readonly storage: Storage;
  private readonly locker: Locker | undefined;
  private readonly logger: Logger;

  constructor(options: CertificateStoreOptions) {
    this.storage = options.storage;
    this.locker = options.locker;
    this.logger = (options.logger ?? silentLogger).child({ module: 'certstore' });
    this.accounts = new AccountStore({ storage: this.storage, logger: this.logger });
  }

  /**
   * Validates and saves a certificate: parses the chain, checks the key matches, keeps
   * the replaced pair as the previous copy, writes key, metadata, then chain. The retry
   * state is reset (a success ends any backoff). Returns the record as stored.
   */
  async save(input: CertificateInput, options?: OperationOptions): Promise<CertificateRecord> {
    const name = firstName(input.names);
    const record = buildRecord(input, name);
    const keys = certificateKeys(input.directoryUrl, name);

    await this.keepPrevious(keys, options);
    // The chain goes last: once it is there, its key and metadata are too.
    await this.storage.store(keys.privateKey, input.privateKeyPem, { ...options, secret: true });
    await this.storage.store(keys.meta, serializeMeta(record.meta), options);
    await this.storage.store(keys.chain, input.certificatePem, options);

    this.logger.info({ name, not_after: record.meta.notAfter }, 'certificate saved');
    return record;
  }

  /**
   * The certificate `name` from the CA at `directoryUrl`; `undefined` when none is
   * stored (there may still be metadata: see {@link loadMeta}). Rejects with
   * `CertificateError` when neither the current nor the previous copy is usable.
   */
  async load(directoryUrl: string, name: string, options?: OperationOptions) {
    const keys = certificateKeys(directoryUrl, name);
    return this.loadByKeys(keys, directoryUrl, options);
  }

  /** Every stored certificate (or metadata), of one CA or of all, in key order. */
  async list(directoryUrl?: string, options?: OperationOptions): Promise<StoredCertificate[]> {
    const keys = await this.storage.list(certificatesPrefix(directoryUrl), options);

    const found = new Map<string, StoredCertificate>();
    for (const key of keys) {
      const parsed = parseCertificateKey(key);
      if (parsed === undefined) continue;
      found.set(`${parsed.ca}/${parsed.cert}`, {
        ca: parsed.ca,
        name: nameFromSegment(parsed.cert),
      });
    }
    return [...found.values()];
  }

  /**
   * Loads every stored certificate. One that cannot be loaded is logged (with its
   * location) and returned in `failures` instead of failing the whole call, so one
   * corrupt file never stops startup.
   */
  async loadAll(directoryUrl?: string, options?: OperationOptions): Promise<LoadAllResult> {
    const result: LoadAllResult = { records: [], failures: [] };

    for (const entry of await this.list(directoryUrl, options)) {
      const keys = certificateKeysBySegment(entry.ca, nameSegment(entry.name));
      try {
        const record = await this.loadByKeys(keys, directoryUrl, options);
        if (record !== undefined) result.records.push(record);
      } catch (error) {
        if (!(error instanceof CertstoreError)) throw error;
        result.failures.push(this.reportFailure(entry.name, keys, error));
      }
    }
    return result;
  }

  /** The metadata of `name` (also for certificates not obtained yet), if any. */
  async loadMeta(directoryUrl: string, name: string, options?: OperationOptions) {
    const key = certificateKeys(directoryUrl, name).meta;
    const bytes = await this.storage.load(key, options);
    if (bytes === undefined) return undefined;
    return parseMeta(decode(bytes), this.locate(key));
  }

  /**
   * Changes only the retry state of a certificate (which need not exist yet) and
   * persists it. A corrupt metadata file is replaced. Returns the new metadata.
   */
  async updateMeta(
    directoryUrl: string,
    names: string[],
    patch: CertificateMetaPatch,
    options?: OperationOptions,
  ): Promise<CertificateMeta> {
    const name = firstName(names);
    const current = await this.loadMeta(directoryUrl, name, options).catch((error: unknown) => {
      if (!(error instanceof CertificateError)) throw error;
      this.logger.warn({ name, err: error }, 'replacing corrupt certificate metadata');
      return undefined;
    });

    const meta: CertificateMeta = {
      ...(current ?? { names, directoryUrl, failureCount: 0 }),
      ...patch,
    };
    await this.storage.store(
      certificateKeys(directoryUrl, name).meta,
      serializeMeta(meta),
      options,
    );
    return meta;
  }

  /**
   * Records a failed attempt: counts it, keeps the message and when to try again.
   * `error` must be safe to show (no tokens or keys).
   */
  async recordFailure(
    directoryUrl: string,
    names: string[],
    failure: { error: string; nextAttemptAt: Date; at?: Date },
    options?: OperationOptions,
  ): Promise<CertificateMeta> {
    const current = await this.loadMeta(directoryUrl, firstName(names), options).catch(
      () => undefined,
    );
    return this.updateMeta(
      directoryUrl,
      names,
      {
        failureCount: (current?.failureCount ?? 0) + 1,
        lastError: failure.error,
        lastAttemptAt: failure.at ?? new Date(),
        nextAttemptAt: failure.nextAttemptAt,
      },
      options,
    );
  }

  /** Deletes a certificate, its previous copy and its metadata. */
  async delete(directoryUrl: string, name: string, options?: OperationOptions) {
    for (const key of Object.values(certificateKeys(directoryUrl, name))) {
      await this.storage.delete(key, options);
    }
  }

  /**
   * Takes the lock for obtaining or renewing `name`. After it resolves, load the
   * certificate again: another process may have renewed it meanwhile.
   */
  async lock(directoryUrl: string, name: string, options?: LockOptions): Promise<Lock> {
    if (this.locker === undefined) {
      throw new CertstoreError(
        'NO_LOCKER',
        'CertificateStore was created without a locker; pass `locker` to take locks',
      );
    }
    return this.locker.lock(issueLockName(directoryUrl, name), options);
  }

  private async loadByKeys(
    keys: CertificateKeys,
    directoryUrl: string | undefined,
    options?: OperationOptions,
  ): Promise<CertificateRecord | undefined> {
    const current = await this.readPair(keys.chain, keys.privateKey, options);
    if (current === undefined) return undefined;

    const meta = await this.readMetaForLoad(keys, directoryUrl, options);
    try {
      return this.toRecord(current, meta);
    } catch (error) {
      const previous = await this.readPair(keys.previousChain, keys.previousPrivateKey, options);
      if (previous === undefined) throw error;

      const record = this.toRecordOrUndefined(previous, meta);
      if (record === undefined) throw error;
      this.logger.warn(
        { path: this.locate(keys.chain), err: error },
        'current certificate is unusable, serving the previous copy',
      );
      return record;
    }
  }

  private async readMetaForLoad(
    keys: CertificateKeys,
    directoryUrl: string | undefined,
    options?: OperationOptions,
  ): Promise<CertificateMeta> {
    const location = this.locate(keys.meta);
    const bytes = await this.storage.load(keys.meta, options);
    try {
      if (bytes !== undefined) return parseMeta(decode(bytes), location);
      this.logger.warn({ path: location }, 'certificate metadata is missing');
    } catch (error) {
      this.logger.warn({ path: location, err: error }, 'ignoring corrupt certificate metadata');
    }

    // The certificate itself still serves; its names come from the certificate and the
    // retry state starts afresh.
    return { names: [], directoryUrl: directoryUrl ?? '', failureCount: 0 };
  }

  private async readPair(chainKey: string, keyKey: string, options?: OperationOptions) {
    const chain = await this.storage.load(chainKey, options);
    if (chain === undefined) return undefined;

    const key = await this.storage.load(keyKey, options);
    return {
      certificatePem: decode(chain),
      privateKeyPem: key === undefined ? '' : decode(key),
      chainKey,
    } satisfies StoredPair;
  }

  private toRecord(pair: StoredPair, meta: CertificateMeta): CertificateRecord {
    const source = this.locate(pair.chainKey);
    const info = parseCertificateChain(pair.certificatePem, source);
    const { keyType } = parsePrivateKey(pair.privateKeyPem, info.leaf, `key of ${source}`);
    const names = meta.names.length > 0 ? meta.names : info.names;

    return {
      names,
      certificatePem: pair.certificatePem,
      privateKeyPem: pair.privateKeyPem,
      meta: {
        ...meta,
        names,
        keyType,
        notBefore: info.notBefore,
        notAfter: info.notAfter,
        serial: info.serial,
      },
    };
  }

  private toRecordOrUndefined(pair: StoredPair, meta: CertificateMeta) {
    try {
      return this.toRecord(pair, meta);
    } catch {
      return undefined;
    }
  }

  /** Copies the stored pair aside before it is replaced, if it is a usable one. */
  private async keepPrevious(keys: CertificateKeys, options?: OperationOptions) {
    const current = await this.readPair(keys.chain, keys.privateKey, options);
    if (current === undefined) return;

    try {
      const info = parseCertificateChain(current.certificatePem, keys.chain);
      parsePrivateKey(current.privateKeyPem, info.leaf, keys.privateKey);
    } catch {
      return;
    }

    await this.storage.store(keys.previousPrivateKey, current.privateKeyPem, {
      ...options,
      secret: true,
    });
    await this.storage.store(keys.previousChain, current.certificatePem, options);
  }

  private reportFailure(name: string, keys: CertificateKeys, error: CertstoreError) {
    const location =
      error instanceof CertificateError && error.source !== undefined
        ? error.source
        : this.locate(keys.chain);
    this.logger.warn({ name, path: location, err: error }, 'skipping unusable certificate');
    return { name, location, error: error as CertificateError | StorageError };
  }

  private locate(key: string): string {
    return this.storage.describe?.(key) ?? key;
  }
}

function buildRecord(input: CertificateInput, name: string): CertificateRecord {
  const info = parseCertificateChain(input.certificatePem, `certificate for ${name}`);
  const { keyType } = parsePrivateKey(input.privateKeyPem, info.leaf, `private key for ${name}`);

  const meta: CertificateMeta = {
    names: [...input.names],
    directoryUrl: input.directoryUrl,
    keyType,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    serial: info.serial,
    lastAttemptAt: new Date(),
    failureCount: 0,
    source: input.source ?? 'acme',
  };
  if (input.renewalWindow !== undefined) meta.renewalWindow = input.renewalWindow;

  return {
    names: meta.names,
    certificatePem: input.certificatePem,
    privateKeyPem: input.privateKeyPem,
    meta,
  };
}

function firstName(names: readonly string[]): string {
  const name = names[0];
  if (name === undefined || name.length === 0) {
    throw new CertstoreError('NO_NAMES', 'a certificate needs at least one name');
  }
  return name;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
