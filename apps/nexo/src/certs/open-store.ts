import { CertificateStore, FileStorage, type Locker, type Storage } from '@nexo/certstore';
import type { NexoConfig } from '../config/types.js';
import type { Logger } from '../server/logger.js';

export interface OpenedStore {
  store: CertificateStore;
  storage: Storage & Locker;
}

/**
 * Opens the certificate storage the config names. File storage keeps everything under
 * `cert_dir` (certificates, ACME account, renewal state and locks), so one volume holds
 * all of Nexo's state next to the original nexo's `<name>.crt` files.
 */
export async function openCertificateStore(
  config: NexoConfig,
  logger: Logger,
): Promise<OpenedStore> {
  const storage = await openStorage(config, logger);
  const store = new CertificateStore({ storage, locker: storage, logger });
  return { store, storage };
}

async function openStorage(config: NexoConfig, logger: Logger): Promise<Storage & Locker> {
  const settings = config.storage;
  if (settings.type === 'file') {
    return new FileStorage({ root: settings.certDir, logger });
  }

  throw new Error(
    `storage type "${settings.type}" is not supported by this build; use storage.type: file`,
  );
}
