import type { Lock, Logger, OperationOptions } from '@nexo/certstore';
import { StorageError } from '@nexo/certstore';
import type { RedisConnection } from './redis-connection.js';
import { refreshScript, runScript, unlockScript } from './scripts.js';
import { toStorageError } from './to-storage-error.js';
import { withSignal } from './with-signal.js';

/** What a held lock needs to know; built by `RedisStorage.lock`. */
export interface RedisLockParts {
  name: string;
  redisKey: string;
  /** Random, unique to this holding: only it can refresh or release the lease. */
  token: string;
  leaseMs: number;
  /** Refresh every third of the lease until `unlock()`. */
  autoRefresh: boolean;
  connection: RedisConnection;
  logger: Logger;
}

/**
 * A lease on `<prefix>:lock:<name>` holding this holder's random token. With auto-refresh
 * (the default) a live holder keeps the lock however long its work takes; only a holder
 * that died or lost Redis for a whole lease loses it.
 */
export class RedisLock implements Lock {
  readonly name: string;
  readonly #parts: RedisLockParts;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  constructor(parts: RedisLockParts) {
    this.name = parts.name;
    this.#parts = parts;
    if (parts.autoRefresh) this.#scheduleRefresh();
  }

  /**
   * Extends the lease to its full length if this holder still owns it (compare-and-pexpire
   * in one script). Rejects with `LOCK_LOST` when the lease ran out and may be someone
   * else's now: stop the work, it is no longer protected.
   */
  async refresh(options?: OperationOptions): Promise<void> {
    const { redisKey, token, leaseMs } = this.#parts;
    const extended = await this.#run('refresh lock', options, () =>
      runScript(this.#parts.connection.client, refreshScript, [redisKey], [token, leaseMs]),
    );
    if (extended === 1) return;

    this.#stopRefreshing();
    throw new StorageError(
      'LOCK_LOST',
      `lock ${this.name} was lost: its ${leaseMs} ms lease ran out before it was ` +
        'refreshed, so another instance may hold it; stop this work and start over',
      { key: this.name },
    );
  }

  /**
   * Releases the lease if this holder still owns it (compare-and-delete in one script);
   * when it ran out and someone else took it, their lock is left alone.
   */
  async unlock(options?: OperationOptions): Promise<void> {
    this.#stopRefreshing();
    if (this.#released) return;

    const { redisKey, token } = this.#parts;
    const released = await this.#run('release lock', options, () =>
      runScript(this.#parts.connection.client, unlockScript, [redisKey], [token]),
    );
    this.#released = true;
    if (released === 1) this.#parts.logger.debug({ lock: this.name }, 'lock released');
    else this.#parts.logger.warn({ lock: this.name }, 'lock was already taken over');
  }

  async #run(
    operation: string,
    options: OperationOptions | undefined,
    command: () => Promise<unknown>,
  ): Promise<unknown> {
    try {
      await this.#parts.connection.whenReady(options?.signal);
      return await withSignal(command(), options?.signal, this.name);
    } catch (error) {
      throw toStorageError(error, { operation, key: this.name });
    }
  }

  #scheduleRefresh(): void {
    // A third of the lease leaves two more tries when Redis blips during one of them.
    this.#timer = setTimeout(() => {
      this.refresh().then(
        () => {
          if (!this.#released) this.#scheduleRefresh();
        },
        (error: unknown) => {
          if (this.#released) return;
          this.#parts.logger.warn(
            { lock: this.name, err: errorText(error) },
            'lock refresh failed',
          );
          if (!(error instanceof StorageError && error.code === 'LOCK_LOST')) {
            this.#scheduleRefresh();
          }
        },
      );
    }, this.#parts.leaseMs / 3);
    this.#timer.unref();
  }

  #stopRefreshing(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
