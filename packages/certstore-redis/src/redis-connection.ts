import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Logger } from '@nexo/certstore';
import { StorageError } from '@nexo/certstore';
import { Redis, type RedisOptions } from 'ioredis';
import { toStorageError } from './to-storage-error.js';
import { throwIfAborted, withSignal } from './with-signal.js';

/** How to reach Redis and how long to wait for it; see `RedisStorageOptions`. */
export interface RedisConnectionOptions {
  url?: string;
  client?: Redis;
  password?: string;
  tls?: boolean | TlsOptions;
  operationTimeoutMs: number;
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
}

/**
 * One command connection to Redis that never takes the process down: connection errors
 * are logged (once per outage), the client reconnects with capped exponential backoff,
 * and while Redis is known to be down every operation fails at once instead of queueing.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly #owned: boolean;
  readonly #logger: Logger;
  readonly #connectTimeoutMs: number;
  #outage: { since: Date; error: Error | undefined } | undefined;
  #everReady = false;
  #connecting: Promise<void> | undefined;
  #closing = false;

  constructor(options: RedisConnectionOptions) {
    this.#logger = options.logger;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#owned = options.client === undefined;
    this.client = options.client ?? createClient(options);
    this.#watchHealth();
  }

  /** Opens another connection to the same server (for the pub/sub subscriber). */
  duplicate(override: Partial<RedisOptions>): Redis {
    return this.client.duplicate(override);
  }

  /**
   * Resolves once commands can be sent. Rejects at once with `UNAVAILABLE` while Redis is
   * known to be down, and after `connectTimeoutMs` when the first connection hangs.
   */
  async whenReady(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (this.client.status === 'ready') return;
    if (this.#outage !== undefined || this.client.status === 'end') {
      throw this.#unavailable();
    }

    this.#connecting ??= this.#firstConnection().finally(() => {
      this.#connecting = undefined;
    });
    await withSignal(this.#connecting, signal);
  }

  /** One wait for the first connection, shared by every operation started meanwhile. */
  #firstConnection(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(this.#unavailable()), this.#connectTimeoutMs);
      const onReady = () => finish();
      const onClose = () => finish(this.#unavailable());
      const finish = (error?: StorageError) => {
        clearTimeout(timer);
        this.client.off('ready', onReady).off('close', onClose).off('end', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.client.once('ready', onReady).once('close', onClose).once('end', onClose);
    });
  }

  /** Closes the connection if this package created it; an injected client is left open. */
  async close(): Promise<void> {
    this.#closing = true;
    if (!this.#owned || this.client.status === 'end') return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  #unavailable(): StorageError {
    const error = this.#outage?.error;
    // Redis answered but refused us (wrong password, ACL): say so, it will not pass.
    if (error?.name === 'ReplyError') return toStorageError(error, { operation: 'connect' });

    const reason = this.#outage?.error?.message ?? `connection is ${this.client.status}`;
    return new StorageError(
      'UNAVAILABLE',
      `redis is unreachable (${reason}); the client keeps reconnecting, ` +
        'retry later and check that Redis is up',
      { cause: this.#outage?.error },
    );
  }

  #watchHealth(): void {
    this.client.on('error', (error: Error) => {
      if (this.#outage === undefined) {
        this.#outage = { since: new Date(), error };
        if (error.name === 'ReplyError') {
          this.#logger.error({ err: error.message }, 'redis refused the connection');
        } else {
          this.#logger.warn({ err: error.message }, 'redis unreachable');
        }
        return;
      }
      this.#outage.error = error;
      this.#logger.debug({ err: error.message }, 'redis still unreachable');
    });

    this.client.on('close', () => {
      if (this.#closing || this.#outage !== undefined || !this.#everReady) return;
      this.#outage = { since: new Date(), error: undefined };
      this.#logger.warn({}, 'redis connection lost');
    });

    this.client.on('ready', () => {
      if (this.#outage !== undefined) {
        const downMs = Date.now() - this.#outage.since.getTime();
        this.#logger.info({ down_ms: downMs }, 'redis reconnected');
      } else if (!this.#everReady) {
        this.#logger.info({}, 'redis connected');
      }
      this.#outage = undefined;
      this.#everReady = true;
    });
  }
}

/**
 * Fails fast instead of queueing: no offline queue, no replay of commands that were in
 * flight when the connection dropped, and a reply deadline on every command.
 */
function createClient(options: RedisConnectionOptions): Redis {
  if (options.url === undefined) {
    throw new TypeError('RedisStorage needs either `url` or `client`');
  }
  const redisOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.operationTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: (attempt) => reconnectDelayMs(attempt, options.maxReconnectDelayMs),
  };
  if (options.password !== undefined) redisOptions.password = options.password;
  if (options.tls === true) redisOptions.tls = {};
  else if (typeof options.tls === 'object') redisOptions.tls = options.tls;

  return new Redis(options.url, redisOptions);
}

/** Exponential backoff from 100 ms, capped, with up to 20% jitter so instances spread out. */
export function reconnectDelayMs(attempt: number, maxDelayMs: number): number {
  const base = Math.min(100 * 2 ** Math.min(attempt - 1, 16), maxDelayMs);
  return Math.round(base * (0.8 + Math.random() * 0.2));
}
