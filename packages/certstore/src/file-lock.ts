import { StorageError } from './errors.js';
import type { LockFile } from './lock-file.js';
import type { Logger } from './logger.js';
import type { Lock, OperationOptions } from './storage.js';

/** A lock held through a {@link LockFile}; refreshes itself while held. */
export class FileLock implements Lock {
  readonly name: string;
  private readonly file: LockFile;
  private readonly token: string;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  constructor(options: {
    name: string;
    file: LockFile;
    token: string;
    leaseMs: number;
    autoRefresh: boolean;
    logger: Logger;
  }) {
    this.name = options.name;
    this.file = options.file;
    this.token = options.token;
    this.leaseMs = options.leaseMs;
    this.logger = options.logger;
    if (options.autoRefresh) this.scheduleRefresh();
  }

  async refresh(options?: OperationOptions): Promise<void> {
    const held = await this.file.refresh(this.token, this.leaseMs, options?.signal);
    if (held) return;

    this.stopRefreshing();
    throw new StorageError(
      'LOCK_LOST',
      `lock ${this.name} was lost: its lease ran out and another process took it over`,
      { key: this.name },
    );
  }

  async unlock(options?: OperationOptions): Promise<void> {
    this.stopRefreshing();
    if (this.released) return;

    this.released = true;
    const held = await this.file.release(this.token, options?.signal);
    if (!held) this.logger.warn({ lock: this.name }, 'lock was already taken over');
  }

  private scheduleRefresh(): void {
    // A third of the lease leaves two more chances if one refresh is slow.
    this.timer = setTimeout(() => {
      this.refresh().then(
        () => {
          if (!this.released) this.scheduleRefresh();
        },
        (error: unknown) => {
          if (this.released) return;
          this.logger.warn({ lock: this.name, err: error }, 'lock refresh failed');
          // A passing disk error deserves another try; a lost lock does not.
          if (!(error instanceof StorageError && error.code === 'LOCK_LOST')) {
            this.scheduleRefresh();
          }
        },
      );
    }, this.leaseMs / 3);
    this.timer.unref();
  }

  private stopRefreshing(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
