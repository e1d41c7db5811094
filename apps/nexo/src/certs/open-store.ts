import { readFile } from 'node:fs/promises';
import {
  CertificateStore,
  FileStorage,
  type Locker,
  type Storage,
  type StorageWatcher,
} from '@nexo/certstore';
import type { NexoConfig, RedisStorageConfig } from '../config/types.js';
import type { Logger } from '../server/logger.js';

/** A storage backend as Nexo uses it: optional abilities are checked at run time. */
export type NexoStorage = Storage &
  Locker &
  Partial<StorageWatcher> & {
    close?: () => Promise<void>;
  };

export interface OpenedStore {
  store: CertificateStore;
  storage: NexoStorage;
  /** Closes connections the storage holds (Redis); harmless for files. */
  close(): Promise<void>;
}

/**
 * Opens the certificate storage the config names. File storage keeps everything under
 * `cert_dir` (certificates, ACME account, renewal state and locks), so one volume holds
 * all of Nexo's state next to the original nexo's `<name>.crt` files. Redis storage is
 * loaded only when configured, so file users never load a Redis client.
 */
export async function openCertificateStore(
  config: NexoConfig,
  logger: Logger,
): Promise<OpenedStore> {
  const storage = await openStorage(config, logger);
  const store = new CertificateStore({ storage, locker: storage, logger });
  return { store, storage, close: async () => storage.close?.() };
}

async function openStorage(config: NexoConfig, logger: Logger): Promise<NexoStorage> {
  const settings = config.storage;
  if (settings.type === 'file') {
    const storage = new FileStorage({ root: settings.certDir, logger });
    // A read-only or full disk must stop startup with its path, not surface later as a
    // renewal that fails every day.
    await storage.prepare();
    return storage;
  }
  return openRedisStorage(settings, logger);
}

async function openRedisStorage(settings: RedisStorageConfig, logger: Logger) {
  const { RedisStorage } = await import('@nexo/certstore-redis');
  const ca = settings.tlsCaFile === undefined ? undefined : await readCa(settings.tlsCaFile);

  return new RedisStorage({
    url: settings.url,
    prefix: settings.prefix,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(ca === undefined ? {} : { tls: { ca } }),
    ...(settings.encryptionKey === undefined ? {} : { encryptionKey: settings.encryptionKey }),
    logger,
  });
}

async function readCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read storage.tls.ca_file ${path}; check the path and permissions`, {
      cause,
    });
  }
}
