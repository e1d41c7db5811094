import type { RedisServer } from '@nexo/testkit';
import { Redis } from 'ioredis';
import { RedisStorage, type RedisStorageOptions } from '../src/index.js';

/** Short intervals so lock waits and re-scans finish quickly in tests. */
export const fastOptions = {
  lockPollIntervalMs: 25,
  operationTimeoutMs: 2000,
  connectTimeoutMs: 5000,
  maxReconnectDelayMs: 200,
} satisfies Partial<RedisStorageOptions>;

/**
 * Opens storages on `server` and closes them all in `closeAll()`; each test gets its own
 * prefix so tests never see each other's keys.
 */
export function storageFactory(server: RedisServer) {
  const opened: RedisStorage[] = [];
  const rawClients: Redis[] = [];
  let counter = 0;

  return {
    nextPrefix: () => `t${process.pid}-${++counter}`,
    open(options: Partial<RedisStorageOptions> & { prefix: string }): RedisStorage {
      const storage = new RedisStorage({ url: server.url, ...fastOptions, ...options });
      opened.push(storage);
      return storage;
    },
    /** A plain client for looking at what the storage wrote. */
    raw(): Redis {
      const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      rawClients.push(client);
      return client;
    },
    async closeAll(): Promise<void> {
      await Promise.all(opened.splice(0).map((storage) => storage.close()));
      await Promise.all(rawClients.splice(0).map((client) => client.quit().catch(() => {})));
    },
  };
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The error a promise rejects with, or a failure when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

/** How many SCAN commands the server has run since it started. */
export async function scanCalls(raw: Redis): Promise<number> {
  const info = await raw.info('commandstats');
  return Number(/cmdstat_scan:calls=(\d+)/.exec(info)?.[1] ?? 0);
}
