import type { HealthCheckOptions, Logger } from './types.js';
import { requestOn } from './undici-pool.js';
import type { Upstream } from './upstream.js';

/**
 * Active health check: `GET path` on each upstream every `intervalMs`; 2xx and 3xx are
 * healthy. Upstreams start healthy so a new target serves at once.
 */
export class HealthChecker {
  readonly #upstreams: readonly Upstream[];
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger | undefined;
  readonly #timer: NodeJS.Timeout;
  #stopped = false;

  constructor(upstreams: readonly Upstream[], options: HealthCheckOptions, logger?: Logger) {
    this.#upstreams = upstreams;
    this.#path = options.path;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#logger = logger;
    this.#timer = setInterval(() => this.#checkAll(), options.intervalMs ?? 10_000);
    this.#timer.unref();
    setImmediate(() => this.#checkAll());
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #checkAll(): void {
    if (this.#stopped) return;
    for (const upstream of this.#upstreams) void this.#check(upstream);
  }

  async #check(upstream: Upstream): Promise<void> {
    const healthy = await this.#probe(upstream);
    if (this.#stopped || healthy === upstream.healthy) return;

    upstream.healthy = healthy;
    if (healthy) this.#logger?.info({ upstream: upstream.origin }, 'upstream healthy again');
    else this.#logger?.warn({ upstream: upstream.origin }, 'upstream failed health check');
  }

  async #probe(upstream: Upstream): Promise<boolean> {
    try {
      const response = await requestOn(upstream.entry.pool, {
        method: 'GET',
        path: this.#path,
        headers: { host: upstream.host, 'user-agent': 'nexo-health-check' },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 400;
    } catch {
      // Any failure (refused, timeout, reset) simply means unhealthy; it is logged
      // once as a state change above.
      return false;
    }
  }
}
