import { randomBytes } from 'node:crypto';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  assertStorageKey,
  type Lock,
  type Locker,
  type LockOptions,
  type Logger,
  type OperationOptions,
  type Storage,
  type StorageChange,
  StorageError,
  type StorageStat,
  type StorageWatcher,
  type StoreOptions,
} from '@nexo/certstore';
import type { Redis } from 'ioredis';
import { ChangeFeed } from './change-feed.js';
import { silentLogger } from './logger.js';
import { RedisConnection } from './redis-connection.js';
import { type RedisKeys, redisKeys } from './redis-keys.js';
import { RedisLock } from './redis-lock.js';
import { deleteScript, runScript, storeScript } from './scripts.js';
import { toStorageError } from './to-storage-error.js';
import { createValueCipher, ENCRYPTION_SCHEME, type ValueCipher } from './value-cipher.js';
import { sleep, throwIfAborted, withSignal } from './with-signal.js';

export interface RedisStorageOptions {
  /**
   * `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. Either this or
   * `client` is required; there is no default server.
   */
  url?: string;
  /**
   * An ioredis client to use instead of `url`; it is used as configured (this package
   * does not change its retry or queue settings) and `close()` leaves it open.
   */
  client?: Redis;
  /** Every Redis key starts with `<prefix>:`. Default `nexo`. */
  prefix?: string;
  /** Overrides a password in `url`. */
  password?: string;
  /** TLS settings (for example `{ ca }`); `true` turns TLS on with defaults. */
  tls?: boolean | TlsOptions;
  /**
   * Encrypts values stored with `secret: true` (private keys) with AES-256-GCM under a
   * key derived from this secret (at least 16 characters). Every instance needs the same.
   */
  encryptionKey?: string;
  /** Deadline for one command's reply. Default 5 s. */
  operationTimeoutMs?: number;
  /** How long the first connection may take before operations fail. Default 10 s. */
  connectTimeoutMs?: number;
  /** Longest wait between reconnection attempts (backoff starts at 100 ms). Default 5 s. */
  maxReconnectDelayMs?: number;
  /**
   * Default lease of a lock when `lock()` gets none. Default 20 s: a refresh is one cheap
   * command, so a short lease lets another instance take over soon after a holder dies.
   */
  leaseMs?: number;
  /** How often a waiting `lock()` tries again. Default 1 s. */
  lockPollIntervalMs?: number;
  /** Refresh held locks every third of their lease until `unlock()`. Default on. */
  autoRefresh?: boolean;
  /** How often watched prefixes are re-scanned in case a message was lost. Default 60 s. */
  rescanIntervalMs?: number;
  logger?: Logger;
}

const SCAN_BATCH = 500;

/**
 * {@link Storage}, {@link Locker} and {@link StorageWatcher} on one Redis server, so
 * several Nexo instances share certificates, the ACME account and renewal state.
 *
 * - Each value is a hash `<prefix>:data:<key>` holding the bytes, their size and Redis's
 *   time of the write; a Lua script replaces all of it at once and publishes the change.
 * - Locks are `<prefix>:lock:<name>` leases: SET NX PX with a random token, refreshed and
 *   released only by compare-and-set scripts. After taking a lock, look at the shared
 *   state again: another instance may have done the work while you waited.
 * - While Redis is unreachable every operation rejects at once with `UNAVAILABLE`; the
 *   client reconnects in the background and the process never crashes over it.
 */
export class RedisStorage implements Storage, Locker, StorageWatcher {
  readonly prefix: string;
  readonly #connection: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #cipher: ValueCipher | undefined;
  readonly #feed: ChangeFeed;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #lockPollIntervalMs: number;
  readonly #autoRefresh: boolean;

  constructor(options: RedisStorageOptions) {
    this.prefix = validatePrefix(options.prefix ?? 'nexo');
    this.#keys = redisKeys(this.prefix);
    this.#logger = (options.logger ?? silentLogger).child({ storage: 'redis' });
    this.#leaseMs = durationMs('leaseMs', options.leaseMs, 20_000);
    this.#lockPollIntervalMs = durationMs('lockPollIntervalMs', options.lockPollIntervalMs, 1000);
    this.#autoRefresh = options.autoRefresh ?? true;
    this.#cipher =
      options.encryptionKey === undefined ? undefined : createValueCipher(options.encryptionKey);
    this.#connection = new RedisConnection({
      url: options.url,
      client: options.client,
      password: options.password,
      tls: options.tls,
      operationTimeoutMs: durationMs('operationTimeoutMs', options.operationTimeoutMs, 5000),
      connectTimeoutMs: durationMs('connectTimeoutMs', options.connectTimeoutMs, 10_000),
      maxReconnectDelayMs: durationMs('maxReconnectDelayMs', options.maxReconnectDelayMs, 5000),
      logger: this.#logger,
    });
    this.#feed = new ChangeFeed({
      connection: this.#connection,
      channel: this.#keys.changesChannel,
      scanModified: (prefix) => this.#scanModified(prefix),
      redisTimeMs: () => this.#redisTimeMs(),
      rescanIntervalMs:
        options.rescanIntervalMs === 0
          ? 0
          : durationMs('rescanIntervalMs', options.rescanIntervalMs, 60_000),
      retryDelayMs: durationMs('maxReconnectDelayMs', options.maxReconnectDelayMs, 5000),
      logger: this.#logger.child({ module: 'change-feed' }),
    });
  }

  /**
   * Startup check: waits for the first connection and proves Redis answers and accepts
   * scripts, so a wrong URL, password or ACL stops startup with a clear error.
   */
  async prepare(options?: OperationOptions): Promise<void> {
    await this.#run({ operation: 'reach redis' }, options, async (client) => {
      const probe = `.probe-${randomBytes(6).toString('hex')}`;
      await runScript(client, deleteScript, [this.#keys.data(probe)], ['', probe]);
    });
  }

  async store(key: string, value: Uint8Array | string, options?: StoreOptions): Promise<void> {
    assertStorageKey(key);
    const plain = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    const sealed = options?.secret === true ? this.#cipher?.encrypt(key, plain) : undefined;
    const scheme = sealed === undefined ? '' : ENCRYPTION_SCHEME;

    await this.#run({ operation: 'store', key }, options, (client) =>
      runScript(
        client,
        storeScript,
        [this.#keys.data(key)],
        [sealed ?? plain, plain.length, scheme, this.#keys.changesChannel, key],
      ),
    );
  }

  async load(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    assertStorageKey(key);
    const [value, scheme] = await this.#run({ operation: 'load', key }, options, (client) =>
      client.hmgetBuffer(this.#keys.data(key), 'value', 'encryption'),
    );
    if (value === null || value === undefined) return undefined;
    if (scheme === null || scheme === undefined) return new Uint8Array(value);

    return new Uint8Array(this.#decrypt(key, value, scheme.toString()));
  }

  async delete(key: string, options?: OperationOptions): Promise<void> {
    assertStorageKey(key);
    await this.#run({ operation: 'delete', key }, options, (client) =>
      runScript(client, deleteScript, [this.#keys.data(key)], [this.#keys.changesChannel, key]),
    );
  }

  async exists(key: string, options?: OperationOptions): Promise<boolean> {
    assertStorageKey(key);
    const count = await this.#run({ operation: 'check', key }, options, (client) =>
      client.exists(this.#keys.data(key)),
    );
    return count === 1;
  }

  async stat(key: string, options?: OperationOptions): Promise<StorageStat | undefined> {
    assertStorageKey(key);
    const [size, modified] = await this.#run({ operation: 'stat', key }, options, (client) =>
      client.hmget(this.#keys.data(key), 'size', 'modified'),
    );
    if (size === null || size === undefined || modified === null || modified === undefined) {
      return undefined;
    }
    return { key, sizeBytes: Number(size), modifiedAt: new Date(Number(modified)) };
  }

  /** Walks the prefix with SCAN (never KEYS), so a large database is not blocked. */
  async list(prefix: string, options?: OperationOptions): Promise<string[]> {
    const keys = await this.#run({ operation: 'list', key: prefix }, options, (client) =>
      this.#scan(client, prefix, options?.signal),
    );
    return keys.sort();
  }

  /**
   * Waits until this caller holds `name`: SET NX PX with a random token, tried again every
   * `lockPollIntervalMs`. A holder that died loses the lock when its lease runs out.
   * Rejects with `ABORTED` when the signal fires, `UNAVAILABLE` when Redis is down.
   */
  async lock(name: string, options?: LockOptions): Promise<Lock> {
    assertStorageKey(name);
    const leaseMs = durationMs('leaseMs', options?.leaseMs, this.#leaseMs);
    const redisKey = this.#keys.lock(name);
    const token = randomBytes(16).toString('hex');
    const signal = options?.signal;

    for (;;) {
      const taken = await this.#run({ operation: 'take lock', key: name }, options, (client) =>
        client.set(redisKey, token, 'PX', leaseMs, 'NX'),
      );
      if (taken === 'OK') break;
      await sleep(jitter(this.#lockPollIntervalMs), signal, name);
    }

    this.#logger.debug({ lock: name }, 'lock taken');
    return new RedisLock({
      name,
      redisKey,
      token,
      leaseMs,
      autoRefresh: this.#autoRefresh,
      connection: this.#connection,
      logger: this.#logger,
    });
  }

  /**
   * Calls `listener` for every store and delete of a key starting with `prefix`, by any
   * instance, usually within milliseconds (pub/sub) and at worst after the next re-scan.
   * Returns a function that stops the watch.
   */
  watch(prefix: string, listener: (change: StorageChange) => void): () => void {
    return this.#feed.watch(prefix, listener);
  }

  /** Stops watching and closes the connections this storage opened. */
  async close(): Promise<void> {
    this.#feed.close();
    await this.#connection.close();
  }

  async #run<T>(
    failed: { operation: string; key?: string },
    options: OperationOptions | undefined,
    command: (client: Redis) => Promise<T>,
  ): Promise<T> {
    const signal = options?.signal;
    throwIfAborted(signal, failed.key);
    try {
      await this.#connection.whenReady(signal);
      return await withSignal(command(this.#connection.client), signal, failed.key);
    } catch (error) {
      throw toStorageError(error, failed);
    }
  }

  async #scan(client: Redis, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const pattern = this.#keys.dataPattern(prefix);
    const keys = new Set<string>();
    let cursor = '0';
    do {
      throwIfAborted(signal, prefix);
      const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
      for (const redisKey of batch) {
        const key = this.#keys.storageKeyOf(redisKey);
        if (key?.startsWith(prefix)) keys.add(key);
      }
      cursor = next;
    } while (cursor !== '0');

    return [...keys];
  }

  async #scanModified(prefix: string): Promise<Map<string, number>> {
    const keys = await this.list(prefix);
    const found = new Map<string, number>();
    if (keys.length === 0) return found;

    const replies = await this.#run({ operation: 'scan', key: prefix }, undefined, (client) => {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.hget(this.#keys.data(key), 'modified');
      return pipeline.exec();
    });
    keys.forEach((key, index) => {
      const modified = replies?.[index]?.[1];
      if (typeof modified === 'string') found.set(key, Number(modified));
    });
    return found;
  }

  async #redisTimeMs(): Promise<number> {
    const [seconds, micros] = await this.#run({ operation: 'read the time' }, undefined, (client) =>
      client.time(),
    );
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  #decrypt(key: string, sealed: Buffer, scheme: string): Buffer {
    if (scheme !== ENCRYPTION_SCHEME) {
      throw new StorageError(
        'IO',
        `cannot read ${key}: it is encrypted with "${scheme}", which this version does ` +
          'not know; upgrade Nexo',
        { key },
      );
    }
    if (this.#cipher === undefined) {
      throw new StorageError(
        'PERMISSION_DENIED',
        `cannot read ${key}: it is encrypted at rest and no encryption key is configured; ` +
          'set storage.encryption_key to the key the other instances use',
        { key },
      );
    }
    try {
      return this.#cipher.decrypt(key, sealed);
    } catch (error) {
      throw new StorageError(
        'PERMISSION_DENIED',
        `cannot decrypt ${key}: the encryption key differs from the one it was stored ` +
          'with, or the value was altered; use the same storage.encryption_key everywhere',
        { key, cause: error },
      );
    }
  }
}

/** The prefix becomes part of every key and glob pattern: keep it plain. */
function validatePrefix(prefix: string): string {
  if (/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) return prefix;

  throw new TypeError(
    `invalid redis storage prefix ${JSON.stringify(prefix)}: use 1 to 64 characters ` +
      'of A-Z a-z 0-9 . _ -',
  );
}

/** `value` (or `fallback`) when it is a whole number of milliseconds above zero. */
function durationMs(name: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (Number.isSafeInteger(ms) && ms > 0) return ms;

  throw new RangeError(
    `RedisStorage option ${name} must be a whole number of ms above 0, got ${ms}`,
  );
}

/** Up to 20% less than `ms`, so instances waiting for one lock do not retry in step. */
function jitter(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.2));
}
