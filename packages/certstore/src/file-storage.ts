import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureDirectory, syncDirectory, TEMP_SUFFIX, writeFileAtomic } from './atomic-write.js';
import { FileLock } from './file-lock.js';
import { errnoOf, throwIfAborted, toStorageError } from './fs-errors.js';
import { LockFile, type LockFileSettings } from './lock-file.js';
import { type Logger, silentLogger } from './logger.js';
import type {
  Lock,
  Locker,
  LockOptions,
  OperationOptions,
  Storage,
  StorageStat,
  StoreOptions,
} from './storage.js';
import { assertStorageKey, isValidStorageKey } from './storage-key.js';

/** Options of {@link FileStorage}; only `root` is required. */
export interface FileStorageOptions {
  /** Directory holding every key as a file; created with mode 0700 when missing. */
  root: string;
  /** Default lease of a lock when `lock()` gets none. Default 60 s. */
  leaseMs?: number;
  /** How often a waiting `lock()` looks again. Default 1 s. */
  pollIntervalMs?: number;
  /**
   * Refresh held locks every third of their lease until `unlock()`, so a live holder
   * keeps its lock however long the work takes and only a dead one loses it. Default on.
   */
  autoRefresh?: boolean;
  /** Age after which a steal guard left by a dead process is removed. Default 30 s. */
  guardStaleMs?: number;
  logger?: Logger;
}

/** Where lock files live, hidden from `list()` like every dot-file. */
const LOCK_DIRECTORY = '.locks';
/** Temp files older than this are leftovers of a crash; `prepare()` removes them. */
const TEMP_FILE_MAX_AGE_MS = 10 * 60_000;

/**
 * The default {@link Storage} and {@link Locker}: one file per key under `root`.
 *
 * Writes are atomic and durable (see {@link writeFileAtomic}); secret values get mode
 * 0600, other values 0644, directories 0700. Locks are files under `root/.locks` with
 * a lease; see {@link LockFile} for how an expired lock is taken over safely.
 * Several processes may share one root on a local file system (not NFS).
 */
export class FileStorage implements Storage, Locker {
  readonly root: string;
  private readonly leaseMs: number;
  private readonly lockSettings: LockFileSettings;
  private readonly logger: Logger;

  constructor(options: FileStorageOptions) {
    this.root = resolve(options.root);
    this.leaseMs = options.leaseMs ?? 60_000;
    this.logger = (options.logger ?? silentLogger).child({ storage: 'file' });
    this.lockSettings = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      guardStaleMs: options.guardStaleMs ?? 30_000,
      autoRefresh: options.autoRefresh ?? true,
      logger: this.logger,
    };
  }

  /**
   * Startup check: creates the root if needed, proves it is writable with a real
   * write + fsync + rename + delete, and removes temp files left by a crash.
   * Rejects with `StorageError` `READ_ONLY`, `NO_SPACE` or `PERMISSION_DENIED` and a
   * message naming the directory, so a bad disk stops startup instead of looping.
   */
  async prepare(): Promise<void> {
    const probe = join(this.root, `.probe-${randomBytes(6).toString('hex')}`);
    try {
      await ensureDirectory(this.root);
      await writeFileAtomic(probe, 'nexo storage probe\n', { mode: 0o600 });
      await unlink(probe);
    } catch (error) {
      throw toStorageError(error, 'write to storage directory', this.root);
    }

    await this.removeLeftoverTempFiles(this.root);
  }

  async store(key: string, value: Uint8Array | string, options?: StoreOptions): Promise<void> {
    const path = this.pathOf(key);
    throwIfAborted(options?.signal, key);

    const mode = options?.secret === true ? 0o600 : 0o644;
    try {
      await writeFileAtomic(path, value, {
        mode,
        beforeCommit: () => throwIfAborted(options?.signal, key),
      });
    } catch (error) {
      throw toStorageError(error, 'write', path, key);
    }
  }

  async load(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    throwIfAborted(options?.signal, key);

    try {
      return new Uint8Array(await readFile(path, { signal: options?.signal }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toStorageError(error, 'read', path, key);
    }
  }

  async delete(key: string, options?: OperationOptions): Promise<void> {
    const path = this.pathOf(key);
    throwIfAborted(options?.signal, key);

    try {
      await unlink(path);
      await syncDirectory(dirname(path));
    } catch (error) {
      if (isNotFound(error)) return;
      throw toStorageError(error, 'delete', path, key);
    }
  }

  async exists(key: string, options?: OperationOptions): Promise<boolean> {
    return (await this.stat(key, options)) !== undefined;
  }

  async stat(key: string, options?: OperationOptions): Promise<StorageStat | undefined> {
    const path = this.pathOf(key);
    throwIfAborted(options?.signal, key);

    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return { key, sizeBytes: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toStorageError(error, 'stat', path, key);
    }
  }

  async list(prefix: string, options?: OperationOptions): Promise<string[]> {
    throwIfAborted(options?.signal, prefix);

    // Only the directory holding the prefix's last segment can contain matches.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (base !== '' && !isValidStorageKey(base)) return [];

    const keys: string[] = [];
    await this.walk(base, prefix, keys, options?.signal);
    return keys.sort();
  }

  async lock(name: string, options?: LockOptions): Promise<Lock> {
    assertStorageKey(name);
    const leaseMs = options?.leaseMs ?? this.leaseMs;
    const file = new LockFile(join(this.root, LOCK_DIRECTORY, `${name}.lock`), {
      ...this.lockSettings,
    });

    let token: string;
    try {
      token = await file.acquire(leaseMs, { name, signal: options?.signal });
    } catch (error) {
      throw toStorageError(error, 'take lock', file.path, name);
    }

    this.logger.debug({ lock: name }, 'lock taken');
    return new FileLock({
      name,
      file,
      token,
      leaseMs,
      autoRefresh: this.lockSettings.autoRefresh,
      logger: this.logger,
    });
  }

  /** The file that holds `key`. */
  describe(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  private pathOf(key: string): string {
    assertStorageKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async walk(relative: string, prefix: string, keys: string[], signal?: AbortSignal) {
    throwIfAborted(signal, prefix);
    const directory = join(this.root, ...relative.split('/').filter(Boolean));

    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toStorageError(error, 'list', directory, prefix);
    }

    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;

      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && (key.startsWith(prefix) || prefix.startsWith(`${key}/`))) {
        await this.walk(key, prefix, keys, signal);
      } else if (entry.isFile() && key.startsWith(prefix) && isValidStorageKey(key)) {
        keys.push(key);
      }
    }
  }

  private async removeLeftoverTempFiles(directory: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      throw toStorageError(error, 'list', directory);
    }

    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        await this.removeLeftoverTempFiles(path);
      } else if (entry.name.startsWith('.') && entry.name.endsWith(TEMP_SUFFIX)) {
        await this.removeIfOld(path);
      }
    }
  }

  private async removeIfOld(path: string): Promise<void> {
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined || Date.now() - info.mtimeMs < TEMP_FILE_MAX_AGE_MS) return;

    await unlink(path).catch(() => {});
    this.logger.info({ path }, 'removed leftover temp file');
  }
}

function isNotFound(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EISDIR';
}
