/**
 * Metadata about one stored value, as returned by {@link Storage.stat}.
 */
export interface StorageStat {
  key: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/** Options accepted by every storage and locker operation. */
export interface OperationOptions {
  /** Aborting rejects the pending operation with `StorageError` `ABORTED`. */
  signal?: AbortSignal;
}

/**
 * A key-value store for certificates, keys and metadata.
 *
 * Contract, which every implementation must meet (the conformance suite checks it):
 * - Keys are `/`-separated paths; each segment is non-empty, made of `A-Z a-z 0-9 . _ - @`,
 *   and does not start with `.` (so `.`/`..` and hidden files never collide with keys).
 *   At most 1024 characters. Any other key rejects with `StorageError` `INVALID_KEY`
 *   ({@link assertStorageKey} checks it). Values are bytes; strings are stored as UTF-8.
 * - All methods are safe to call concurrently, from several processes when the backend
 *   is shared. A `store` is atomic: a reader sees the whole old value or the whole new one.
 * - "Not found" is `load` resolving to `undefined`, `stat` to `undefined` and `exists` to
 *   `false`; `delete` of a missing key succeeds. Any other failure rejects with a
 *   `StorageError` whose `code` says what failed.
 * - `list(prefix)` returns every stored key that starts with `prefix` (a plain string
 *   prefix, not only whole segments), recursively, sorted; `''` lists everything. The
 *   prefix itself need not be a valid key.
 * - An aborted `signal` rejects the operation with `StorageError` `ABORTED` (the signal's
 *   reason as `cause`); a `store` that was aborted either happened completely or not at all.
 */
export interface Storage {
  store(key: string, value: Uint8Array | string, options?: StoreOptions): Promise<void>;
  load(key: string, options?: OperationOptions): Promise<Uint8Array | undefined>;
  delete(key: string, options?: OperationOptions): Promise<void>;
  exists(key: string, options?: OperationOptions): Promise<boolean>;
  list(prefix: string, options?: OperationOptions): Promise<string[]>;
  stat(key: string, options?: OperationOptions): Promise<StorageStat | undefined>;
  /**
   * Optional: where `key` lives, for messages people read (a file path, a Redis key).
   * Callers fall back to the key itself when a backend does not say.
   */
  describe?(key: string): string;
}

/** Options of {@link Storage.store}. */
export interface StoreOptions extends OperationOptions {
  /** The value is secret (a private key): file backends write it with mode 0600. */
  secret?: boolean;
}

/** A lock that is held; release it with {@link Lock.unlock}. */
export interface Lock {
  readonly name: string;
  /**
   * Extends the lease by its full length; rejects with `StorageError` `LOCK_LOST` if the
   * lock was taken over meanwhile.
   */
  refresh(options?: OperationOptions): Promise<void>;
  /** Releases the lock if this holder still owns it; never releases someone else's. */
  unlock(options?: OperationOptions): Promise<void>;
}

/** Options of {@link Locker.lock}. */
export interface LockOptions extends OperationOptions {
  /** How long the lease lasts without a refresh. */
  leaseMs?: number;
}

/** One change seen by a {@link StorageWatcher}. */
export interface StorageChange {
  key: string;
  type: 'store' | 'delete';
}

/**
 * Optional extra ability of a shared backend: tell this process when another one
 * changed a key, so a renewed certificate is served everywhere within seconds.
 *
 * Contract:
 * - `watch(prefix, listener)` calls `listener` for changes to keys starting with
 *   `prefix`, including changes made by other processes; it returns a function that
 *   stops the watch (calling it twice is harmless).
 * - Delivery is best effort: changes may be coalesced, reordered or lost (for example
 *   while the connection to the backend is down), so a listener re-reads the key
 *   instead of trusting the event, and callers keep a periodic re-scan as a safety net.
 * - Listeners must not throw; a throwing listener is the caller's bug and may be
 *   logged and ignored by the backend.
 */
export interface StorageWatcher {
  watch(prefix: string, listener: (change: StorageChange) => void): () => void;
}

/**
 * Mutual exclusion across every process that shares the storage.
 *
 * Contract:
 * - `lock(name)` resolves once the caller holds the lock, waiting as long as needed;
 *   an aborted signal rejects it without taking the lock.
 * - A lock whose lease ran out (its holder died or stopped refreshing) may be taken over
 *   by another caller; the old holder's `unlock` then does nothing.
 * - After taking a lock, look at the shared state again: another holder may have done
 *   the work already.
 */
export interface Locker {
  lock(name: string, options?: LockOptions): Promise<Lock>;
}
