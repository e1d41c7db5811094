import {
  CertificateCache,
  type CertificateRecord,
  type CertificateStore,
  certificateCovers,
  importLegacyCertificates,
} from '@nexo/certstore';
import type { NexoConfig } from '../config/types.js';
import type { ServerCertificates } from '../server/certificates-port.js';
import type { Logger } from '../server/logger.js';
import { createAcmeIssuer } from './acme-issuer.js';
import { CertificateMaintainer } from './certificate-maintainer.js';
import { type OpenedStore, openCertificateStore } from './open-store.js';

export interface OpenServerCertificatesOptions {
  config: NexoConfig;
  logger: Logger;
}

/**
 * Opens the store and starts loading every stored certificate (any CA, and the original
 * nexo's `<cert_dir>/<name>.crt` files) into the SNI cache, and prepares maintenance.
 * Nothing here talks to the network, so serving starts even when the CA or DNS API is
 * down.
 *
 * Resolves once the store is open, before the certificates are parsed (about 5 ms each):
 * the listeners bind meanwhile, and a handshake that arrives first waits in the SNI
 * callback until they are loaded, so no client ever sees a missing certificate. Planning
 * (`follow`) also waits for them: it must not order a certificate that is on disk.
 */
export async function openServerCertificates(
  options: OpenServerCertificatesOptions,
): Promise<ServerCertificates> {
  const logger = options.logger.child({ component: 'certificates' });
  const { config } = options;
  const opened = await openCertificateStore(config, logger);
  const { store } = opened;
  const cache = new CertificateCache({ secureContextOptions: { minVersion: 'TLSv1.2' }, logger });

  // Never rejects: both steps log their failures and serve what they could load.
  let loaded = false;
  const ready = (async () => {
    await importLegacy(store, config, logger);
    await loadStored(store, cache, config, logger);
    loaded = true;
  })();

  const maintainer = new CertificateMaintainer({
    store,
    cache,
    createIssuer: (current) => createAcmeIssuer({ config: current, store, logger }),
    logger,
  });

  let latest = config;
  const stopWatching = watchSharedStore(opened, () => loadStored(store, cache, latest, logger));

  return {
    sniCallback(servername, callback) {
      if (loaded) {
        cache.sniCallback(servername, callback);
        return;
      }
      void ready.then(() => cache.sniCallback(servername, callback));
    },
    coversHost(servername, host) {
      const entry = cache.resolve(servername);
      return entry !== undefined && certificateCovers(entry.names, host);
    },
    follow(next) {
      latest = next;
      if (loaded) {
        maintainer.follow(next);
        return;
      }
      // In call order: a reload before the load ends is applied after the first config.
      void ready.then(() => maintainer.follow(next));
    },
    async close() {
      stopWatching();
      await ready;
      await maintainer.close();
      await opened.close();
    },
  };
}

const WATCH_DEBOUNCE_MS = 200;

/**
 * With a shared store (Redis), certificates another instance obtained or renewed are
 * served here within moments of being saved: a burst of changes triggers one reload.
 */
function watchSharedStore(opened: OpenedStore, reload: () => Promise<void>): () => void {
  const { storage } = opened;
  if (storage.watch === undefined) return () => {};

  let timer: NodeJS.Timeout | undefined;
  const stop = storage.watch('certificates/', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), WATCH_DEBOUNCE_MS);
  });
  return () => {
    clearTimeout(timer);
    stop();
  };
}

async function loadStored(
  store: CertificateStore,
  cache: CertificateCache,
  config: NexoConfig,
  logger: Logger,
): Promise<void> {
  const { records } = await store.loadAll().catch((error: unknown) => {
    logger.error({ err: error }, 'stored certificates could not be read');
    return { records: [] };
  });

  // Certificates of the CA in use go last, so they win over another CA's for one name.
  const current = config.acme.directoryUrl;
  const ordered = [...records].sort((a, b) => rank(a, current) - rank(b, current));
  for (const record of ordered) {
    const cached = record.names[0] === undefined ? undefined : cache.get(record.names[0]);
    if (cached !== undefined && cached.serial === record.meta.serial) continue;
    try {
      cache.set(record);
    } catch (error) {
      logger.warn({ name: record.names[0], err: error }, 'stored certificate cannot be served');
    }
  }
  logger.info({ count: cache.size }, 'stored certificates loaded');
}

function rank(record: CertificateRecord, directoryUrl: string): number {
  const notAfter = record.meta.notAfter?.getTime() ?? 0;
  return (record.meta.directoryUrl === directoryUrl ? 1e15 : 0) + notAfter;
}

/**
 * Copies the original nexo's `<cert_dir>/<name>.crt` / `.key` pairs into the store (the
 * files stay), so a user switching over keeps serving, and Nexo renews them when due.
 */
async function importLegacy(
  store: CertificateStore,
  config: NexoConfig,
  logger: Logger,
): Promise<void> {
  try {
    const result = await importLegacyCertificates({
      certDir: config.storage.certDir,
      store,
      directoryUrl: config.acme.directoryUrl,
      logger,
    });
    if (result.imported.length > 0) {
      logger.info({ names: result.imported }, 'imported certificates of the original nexo');
    }
  } catch (error) {
    logger.warn({ err: error, path: config.storage.certDir }, 'legacy certificates not imported');
  }
}
