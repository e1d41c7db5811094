import { createPrivateKey } from 'node:crypto';
import { CertificateError } from './errors.js';
import { accountKeys } from './keys.js';
import type { Logger } from './logger.js';
import type { OperationOptions, Storage } from './storage.js';

/** An ACME account as stored: its key, and its URL once the CA assigned one. */
export interface AccountRecord {
  privateKeyPem: string;
  accountUrl?: string;
}

/**
 * ACME accounts, one per CA directory URL. The `load`/`save` signatures are those of
 * @nexo/acme's account store, so an instance can be passed to it as is.
 */
export class AccountStore {
  private readonly storage: Storage;
  private readonly logger: Logger;

  constructor(options: { storage: Storage; logger: Logger }) {
    this.storage = options.storage;
    this.logger = options.logger;
  }

  /**
   * The account for `directoryUrl`, or `undefined` when none was saved. A corrupt key
   * rejects with `CertificateError` `INVALID_PRIVATE_KEY`; a corrupt account URL file
   * only loses the URL (the CA can find the account again from its key).
   */
  async load(directoryUrl: string, options?: OperationOptions) {
    const keys = accountKeys(directoryUrl);
    const keyBytes = await this.storage.load(keys.privateKey, options);
    if (keyBytes === undefined) return undefined;

    const privateKeyPem = new TextDecoder().decode(keyBytes);
    checkKey(privateKeyPem, this.storage.describe?.(keys.privateKey) ?? keys.privateKey);

    const accountUrl = await this.loadAccountUrl(keys.meta, options);
    const account: AccountRecord = { privateKeyPem };
    if (accountUrl !== undefined) account.accountUrl = accountUrl;
    return account;
  }

  /** Saves the account's key (secret), then its URL, each atomically. */
  async save(directoryUrl: string, account: AccountRecord, options?: OperationOptions) {
    const keys = accountKeys(directoryUrl);
    checkKey(account.privateKeyPem, 'account private key');

    await this.storage.store(keys.privateKey, account.privateKeyPem, { ...options, secret: true });
    const meta = { accountUrl: account.accountUrl, directoryUrl };
    await this.storage.store(keys.meta, `${JSON.stringify(meta, null, 2)}\n`, options);
  }

  private async loadAccountUrl(key: string, options?: OperationOptions) {
    const bytes = await this.storage.load(key, options);
    if (bytes === undefined) return undefined;

    try {
      const meta = JSON.parse(new TextDecoder().decode(bytes)) as { accountUrl?: unknown };
      return typeof meta.accountUrl === 'string' ? meta.accountUrl : undefined;
    } catch {
      const location = this.storage.describe?.(key) ?? key;
      this.logger.warn({ path: location }, 'ignoring corrupt account file');
      return undefined;
    }
  }
}

function checkKey(privateKeyPem: string, source: string): void {
  try {
    createPrivateKey(privateKeyPem);
  } catch (error) {
    throw new CertificateError(
      'INVALID_PRIVATE_KEY',
      `${source}: corrupt account key; restore it from a backup, or delete it to ` +
        'register a new account',
      { cause: error, source },
    );
  }
}
