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
  /** Aborting rejects the pending operation with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A key-value store for certificates, keys and metadata.
 *
 * Contract, which every implementation must meet (the conformance suite checks it):
 * - Keys are `/`-separated paths of printable ASCII without `..` segments; values are bytes.
 * - All methods are safe to call concurrently, from several processes when the backend
 *   is shared. A `store` is atomic: a reader sees the whole old value or the whole new one.
 * - "Not found" is `load` resolving to `undefined`, `stat` to `undefined` and `exists` to
 *   `false`; `delete` of a missing key succeeds. Any other failure rejects with a
 *   `StorageError` whose `code` says what failed.
 * - `list(prefix)` returns every key that starts with `prefix`, recursively, sorted.
 * - An aborted `signal` rejects the operation; a `store` that was aborted either happened
 *   completely or not at all.
 */
export interface Storage {
  store(key: string, value: Uint8Array | string, options?: StoreOptions): Promise<void>;
  load(key: string, options?: OperationOptions): Promise<Uint8Array | undefined>;
  delete(key: string, options?: OperationOptions): Promise<void>;
  exists(key: string, options?: OperationOptions): Promise<boolean>;
  list(prefix: string, options?: OperationOptions): Promise<string[]>;
  stat(key: string, options?: OperationOptions): Promise<StorageStat | undefined>;
}

export interface StoreOptions extends OperationOptions {
  /** The value is secret (a private key): file backends write it with mode 0600. */
  secret?: boolean;
}

/** A lock that is held; release it with {@link Lock.unlock}. */
export interface Lock {
  readonly name: string;
  /** Extends the lease by its full length; rejects if the lock was lost meanwhile. */
  refresh(options?: OperationOptions): Promise<void>;
  /** Releases the lock if this holder still owns it; never releases someone else's. */
  unlock(options?: OperationOptions): Promise<void>;
}

export interface LockOptions extends OperationOptions {
  /** How long the lease lasts without a refresh. */
  leaseMs?: number;
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
