import type { OperationOptions } from './operation-options.js';

/** What is kept about an ACME account, per directory URL. */
export interface AccountData {
  /** PKCS#8 PEM private key of the account. Secret. */
  privateKeyPem: string;
  /** Set once the CA has registered the account. */
  accountUrl?: string;
}

/**
 * Where the account key lives (e.g. backed by @nexo/certstore).
 *
 * Contract: `load` resolves to `undefined` when nothing was saved for `directoryUrl`;
 * `save` replaces what was saved for it. The key is saved before the account is
 * registered, so a crash in between never loses it. Implementations should store the
 * key as a secret (mode 0600 on disk).
 */
export interface AccountStore {
  load(directoryUrl: string, options?: OperationOptions): Promise<AccountData | undefined>;
  save(directoryUrl: string, data: AccountData, options?: OperationOptions): Promise<void>;
}

/** An in-memory account store, for tests and short-lived tools. */
export function createMemoryAccountStore(): AccountStore {
  const accounts = new Map<string, AccountData>();

  return {
    async load(directoryUrl) {
      const data = accounts.get(directoryUrl);
      return data === undefined ? undefined : { ...data };
    },
    async save(directoryUrl, data) {
      accounts.set(directoryUrl, { ...data });
    },
  };
}
