import type { Duplex } from 'node:stream';
import type { ResolvedOptions } from './resolve-options.js';
import type { TrustedProxies } from './trusted-proxies.js';
import type { AccessEvent, Logger } from './types.js';
import type { UpstreamPools } from './upstream-pools.js';

/** What every forwarded request shares: options, pools, counters, the access hook. */
export class ProxyState {
  readonly options: ResolvedOptions;
  readonly trusted: TrustedProxies;
  readonly pools: UpstreamPools;
  readonly logger: Logger | undefined;
  /** Upgraded socket pairs' client sides, cut when closing passes its deadline. */
  readonly upgrades = new Set<Duplex>();
  closing = false;
  inFlight = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(
    options: ResolvedOptions,
    trusted: TrustedProxies,
    pools: UpstreamPools,
    logger: Logger | undefined,
  ) {
    this.options = options;
    this.trusted = trusted;
    this.pools = pools;
    this.logger = logger;
  }

  started(): void {
    this.inFlight++;
  }

  finished(): void {
    this.inFlight--;
    if (this.inFlight > 0 || this.#idleWaiters.length === 0) return;

    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get reportsAccess(): boolean {
    return this.options.onAccess !== undefined;
  }

  report(event: AccessEvent): void {
    try {
      this.options.onAccess?.(event);
    } catch (error) {
      this.logger?.error({ err: error }, 'access event handler failed');
    }
  }
}
