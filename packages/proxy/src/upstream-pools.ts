import type { ResolvedOptions } from './resolve-options.js';
import type { Logger } from './types.js';
import { Pool } from './undici-pool.js';

/** One undici pool per upstream origin, shared by every target that names it. */
export class PoolEntry {
  readonly origin: string;
  readonly pool: Pool;
  /** Targets holding this entry. */
  refs = 0;
  /** Requests in flight on this origin, for least-connections balancing. */
  active = 0;

  constructor(origin: string, pool: Pool) {
    this.origin = origin;
    this.pool = pool;
  }
}

/**
 * Reference-counted pools. On reload the app creates the new targets before
 * releasing the old ones, so an unchanged upstream keeps its warm connections, and a
 * removed one closes gracefully (in-flight requests finish) when its last target goes.
 */
export class UpstreamPools {
  readonly #entries = new Map<string, PoolEntry>();
  readonly #options: ResolvedOptions;
  readonly #logger: Logger | undefined;

  constructor(options: ResolvedOptions, logger: Logger | undefined) {
    this.#options = options;
    this.#logger = logger;
  }

  acquire(origin: string): PoolEntry {
    let entry = this.#entries.get(origin);
    if (entry === undefined) {
      entry = new PoolEntry(origin, this.#createPool(origin));
      this.#entries.set(origin, entry);
      this.#logger?.debug({ upstream: origin }, 'upstream pool opened');
    }
    entry.refs++;
    return entry;
  }

  release(entry: PoolEntry): void {
    entry.refs--;
    if (entry.refs > 0 || this.#entries.get(entry.origin) !== entry) return;

    this.#entries.delete(entry.origin);
    entry.pool.close().then(
      () => this.#logger?.debug({ upstream: entry.origin }, 'upstream pool closed'),
      (error: unknown) =>
        this.#logger?.warn({ err: error, upstream: entry.origin }, 'pool close failed'),
    );
  }

  /** Closes every pool: gracefully, or at once (cutting requests) when `force` is set. */
  async closeAll(force: boolean): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(
      entries.map((entry) => (force ? entry.pool.destroy() : entry.pool.close())),
    );
  }

  #createPool(origin: string): Pool {
    const options = this.#options;
    return new Pool(origin, {
      connections: options.maxConnectionsPerUpstream,
      pipelining: 1,
      headersTimeout: options.upstreamHeadersMs,
      bodyTimeout: options.upstreamBodyMs,
      connect: { timeout: options.upstreamConnectMs },
      // undici's default (16 KB) would turn an upstream's large cookies or CSP into 502s.
      maxHeaderSize: options.maxHeaderBytes,
    });
  }
}
