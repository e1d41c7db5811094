import type { Logger, StorageChange } from '@nexo/certstore';
import type { Redis } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';

/** Modification time in milliseconds of every key under a prefix, as Redis has them. */
export type ScanModified = (prefix: string) => Promise<Map<string, number>>;

/** Redis's clock, in milliseconds: the clock modification times are written with. */
export type RedisTimeMs = () => Promise<number>;

export interface ChangeFeedOptions {
  connection: RedisConnection;
  channel: string;
  scanModified: ScanModified;
  redisTimeMs: RedisTimeMs;
  /** How often every watched prefix is re-scanned as a safety net; 0 turns it off. */
  rescanIntervalMs: number;
  /** How soon a re-scan that failed (Redis unreachable) is tried again. */
  retryDelayMs: number;
  logger: Logger;
}

type ChangeListener = (change: StorageChange) => void;

/** One `watch()` call: its prefix, its listener and the keys it has seen. */
interface Watch {
  prefix: string;
  listener: ChangeListener;
  /** Modification time per key at the last scan or message; undefined until a scan worked. */
  known: Map<string, number> | undefined;
  priming: Promise<void>;
}

/**
 * A change made while a watch is starting may land before its first scan and would then
 * look old. Keys changed since the watch began (plus this margin) are reported once.
 */
const STARTUP_MARGIN_MS = 1000;

/**
 * Tells watchers about stores and deletes made by any instance.
 *
 * Every store and delete publishes a message on `<prefix>:changes` from inside the same
 * Lua script that changes the data, so a message is never sent for a change that did not
 * happen. Pub/sub delivers at most once and nothing while disconnected, so each watched
 * prefix is also re-scanned (SCAN plus modification times) after every (re)subscription
 * and every `rescanIntervalMs`; differences found are reported like messages. A watch
 * whose first scan failed reports every key it then finds as stored; a watch also
 * reports keys changed just before its first scan, as those may have raced with it.
 */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  readonly #watches = new Set<Watch>();
  #subscriber: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rescan: Promise<void> = Promise.resolve();
  #rescanQueued = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
  }

  watch(prefix: string, listener: ChangeListener): () => void {
    const watch: Watch = { prefix, listener, known: undefined, priming: Promise.resolve() };
    watch.priming = this.#prime(watch, performance.now());
    this.#watches.add(watch);
    this.#start();

    return () => {
      if (!this.#watches.delete(watch)) return;
      if (this.#watches.size === 0) this.close();
    };
  }

  /** Stops the subscriber connection and the re-scan timer; watches stay registered. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#timer = undefined;
    this.#retryTimer = undefined;
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }

  #start(): void {
    if (this.#subscriber !== undefined) return;

    const { connection, channel, rescanIntervalMs, logger } = this.#options;
    const subscriber = connection.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: false,
      commandTimeout: undefined,
    });
    subscriber.on('error', (error: Error) => {
      logger.debug({ err: error.message }, 'change feed connection failed');
    });
    subscriber.on('ready', () => void this.#subscribe(subscriber));
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel) this.#onMessage(message);
    });
    this.#subscriber = subscriber;

    if (rescanIntervalMs > 0) {
      this.#timer = setInterval(() => this.#queueRescan(), rescanIntervalMs);
      this.#timer.unref();
    }
  }

  async #subscribe(subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(this.#options.channel);
    } catch (error) {
      this.#options.logger.warn({ err: errorText(error) }, 'change feed subscribe failed');
      return;
    }

    this.#options.logger.debug({ channel: this.#options.channel }, 'change feed subscribed');
    // Whatever changed while unsubscribed was not announced to us: look for it.
    this.#queueRescan();
  }

  /** Takes the snapshot later scans are compared with. */
  async #prime(watch: Watch, startedAt: number): Promise<void> {
    let found: Map<string, number>;
    let sinceMs: number;
    try {
      const nowMs = await this.#options.redisTimeMs();
      found = await this.#options.scanModified(watch.prefix);
      sinceMs = nowMs - (performance.now() - startedAt) - STARTUP_MARGIN_MS;
    } catch (error) {
      this.#options.logger.debug({ err: errorText(error) }, 'change feed first scan failed');
      return;
    }

    watch.known = found;
    for (const [key, modifiedMs] of found) {
      if (modifiedMs >= sinceMs) this.#emit(watch, { type: 'store', key });
    }
  }

  #queueRescan(): void {
    if (this.#rescanQueued) return;

    this.#rescanQueued = true;
    this.#rescan = this.#rescan.then(async () => {
      this.#rescanQueued = false;
      for (const watch of this.#watches) {
        if (!(await this.#rescanWatch(watch))) {
          this.#retryRescan();
          return;
        }
      }
    });
  }

  /** A re-scan after reconnecting must happen: keep trying until Redis answers. */
  #retryRescan(): void {
    if (this.#retryTimer !== undefined || this.#subscriber === undefined) return;

    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#subscriber !== undefined) this.#queueRescan();
    }, this.#options.retryDelayMs);
    this.#retryTimer.unref();
  }

  /** Reports what changed under the watch's prefix since it last looked; false on failure. */
  async #rescanWatch(watch: Watch): Promise<boolean> {
    await watch.priming;

    let found: Map<string, number>;
    try {
      found = await this.#options.scanModified(watch.prefix);
    } catch (error) {
      this.#options.logger.debug({ err: errorText(error) }, 'change feed rescan failed');
      return false;
    }

    const known = watch.known;
    watch.known = found;
    for (const [key, modifiedMs] of found) {
      if (known?.get(key) !== modifiedMs) this.#emit(watch, { type: 'store', key });
    }
    for (const key of known?.keys() ?? []) {
      if (!found.has(key)) this.#emit(watch, { type: 'delete', key });
    }
    return true;
  }

  #onMessage(message: string): void {
    const change = parseChange(message);
    if (change === undefined) {
      this.#options.logger.warn({ channel: this.#options.channel }, 'change message ignored');
      return;
    }

    for (const watch of this.#watches) {
      if (!change.key.startsWith(watch.prefix)) continue;
      if (change.type === 'delete') watch.known?.delete(change.key);
      else if (change.modifiedMs !== undefined) watch.known?.set(change.key, change.modifiedMs);
      this.#emit(watch, { type: change.type, key: change.key });
    }
  }

  #emit(watch: Watch, change: StorageChange): void {
    if (!this.#watches.has(watch)) return;
    try {
      watch.listener(change);
    } catch (error) {
      this.#options.logger.error(
        { key: change.key, err: errorText(error) },
        'storage change listener threw',
      );
    }
  }
}

/** A message as the store and delete scripts publish it. */
interface ChangeMessage extends StorageChange {
  modifiedMs: number | undefined;
}

function parseChange(message: string): ChangeMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;

  const { type, key, modifiedMs } = parsed as Record<string, unknown>;
  if ((type !== 'store' && type !== 'delete') || typeof key !== 'string') return undefined;
  return { type, key, modifiedMs: typeof modifiedMs === 'number' ? modifiedMs : undefined };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
