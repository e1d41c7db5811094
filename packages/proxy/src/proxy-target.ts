import { HealthChecker } from './health-checker.js';
import { ProxyError } from './proxy-error.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { Logger, ProxyTarget, TargetOptions } from './types.js';
import { Upstream } from './upstream.js';
import type { UpstreamPools } from './upstream-pools.js';

const SHARED_CACHE = /(?:^|[\s,])(?:public|s-maxage)\b/i;

/** A validated target: upstreams, balancing state and per-route response policy. */
export class Target implements ProxyTarget {
  readonly upstreams: readonly string[];
  readonly members: readonly Upstream[];
  readonly leastConn: boolean;
  readonly rewriteHost: boolean;
  readonly passiveFailMs: number;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  /** Cache-Control to add when the upstream sent none. */
  readonly cacheControl: string | undefined;
  /** True when `cacheControl` lets shared caches store the response. */
  readonly cacheShared: boolean;
  readonly #pools: UpstreamPools;
  readonly #healthChecker: HealthChecker | undefined;
  readonly #onRelease: (target: Target) => void;
  #next = 0;
  #released = false;

  constructor(
    options: TargetOptions,
    pools: UpstreamPools,
    defaults: ResolvedOptions,
    logger: Logger | undefined,
    onRelease: (target: Target) => void,
  ) {
    const origins = validateTarget(options);
    this.#pools = pools;
    this.#onRelease = onRelease;
    this.upstreams = Object.freeze(origins.map((url) => url.origin));
    this.members = Object.freeze(
      origins.map((url) => new Upstream(url.origin, url.host, pools.acquire(url.origin))),
    );
    this.leastConn = options.loadBalancing === 'least_conn';
    this.rewriteHost = options.hostHeader === 'upstream';
    this.passiveFailMs = options.passiveFailMs ?? 10_000;
    this.headersTimeout = options.upstreamHeadersMs ?? defaults.upstreamHeadersMs;
    this.bodyTimeout = options.upstreamBodyMs ?? defaults.upstreamBodyMs;
    this.cacheControl = options.cachePolicy?.cacheControl;
    this.cacheShared = this.cacheControl !== undefined && SHARED_CACHE.test(this.cacheControl);
    this.#healthChecker =
      options.healthCheck === undefined
        ? undefined
        : new HealthChecker(this.members, options.healthCheck, logger);
  }

  /**
   * Chooses an upstream: healthy ones (active check) only, skipping those that failed
   * to connect recently while others remain; `undefined` when none is healthy.
   * `exclude` is the upstream a retried request already failed on.
   */
  pick(exclude?: Upstream): Upstream | undefined {
    const members = this.members;
    const count = members.length;
    const start = this.#next;
    let now = 0;
    let best: Upstream | undefined;
    let fallback: Upstream | undefined;

    for (let offset = 0; offset < count; offset++) {
      const upstream = members[(start + offset) % count]!;
      if (!upstream.healthy || upstream === exclude) continue;

      if (upstream.failedUntil !== 0) {
        now ||= Date.now();
        if (upstream.failedUntil > now) {
          if (fallback === undefined || upstream.failedUntil < fallback.failedUntil) {
            fallback = upstream;
          }
          continue;
        }
        upstream.failedUntil = 0;
      }

      if (!this.leastConn) {
        this.#next = (start + offset + 1) % count;
        return upstream;
      }
      if (best === undefined || upstream.entry.active < best.entry.active) best = upstream;
    }

    if (best !== undefined) this.#next = (members.indexOf(best) + 1) % count;
    return best ?? fallback;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;

    this.#healthChecker?.stop();
    for (const upstream of this.members) this.#pools.release(upstream.entry);
    this.#onRelease(this);
  }

  /** Stops background work without giving pools back (the proxy is closing them). */
  stopHealthChecks(): void {
    this.#healthChecker?.stop();
  }
}

function validateTarget(options: TargetOptions): URL[] {
  if (!Array.isArray(options.upstreams) || options.upstreams.length === 0) {
    throw invalid('a target needs at least one upstream, e.g. http://127.0.0.1:3000');
  }
  if (options.loadBalancing !== undefined && !BALANCING.has(options.loadBalancing)) {
    throw invalid(
      `loadBalancing ${String(options.loadBalancing)} is unknown; use round_robin or least_conn`,
    );
  }
  if (options.hostHeader !== undefined && !HOST_MODES.has(options.hostHeader)) {
    throw invalid(`hostHeader ${String(options.hostHeader)} is unknown; use preserve or upstream`);
  }
  if (options.healthCheck !== undefined && !options.healthCheck.path?.startsWith('/')) {
    throw invalid('healthCheck.path must start with /, e.g. /healthz');
  }
  const cacheControl = options.cachePolicy?.cacheControl;
  if (cacheControl !== undefined && (cacheControl.trim() === '' || /[\r\n]/.test(cacheControl))) {
    throw invalid('cachePolicy.cacheControl must be a non-empty one-line header value');
  }

  const seen = new Set<string>();
  return options.upstreams.map((upstream) => {
    const url = parseUpstream(upstream);
    if (seen.has(url.origin)) {
      throw invalid(`upstream ${upstream} is listed twice`, 'invalid_upstream');
    }
    seen.add(url.origin);
    return url;
  });
}

const BALANCING: ReadonlySet<string> = new Set(['round_robin', 'least_conn']);
const HOST_MODES: ReadonlySet<string> = new Set(['preserve', 'upstream']);

function parseUpstream(upstream: string): URL {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch (cause) {
    throw invalid(
      `upstream ${JSON.stringify(upstream)} is not a URL; write it with a scheme, ` +
        'e.g. http://127.0.0.1:3000',
      'invalid_upstream',
      cause,
    );
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(
      `upstream ${JSON.stringify(upstream)} must start with http:// or https://`,
      'invalid_upstream',
    );
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw invalid(
      `upstream ${JSON.stringify(upstream)} must be an origin only (no credentials, query)`,
      'invalid_upstream',
    );
  }
  if (url.pathname !== '/') {
    throw invalid(
      `upstream ${JSON.stringify(upstream)} has a path; paths are not rewritten, ` +
        'give the origin only (scheme://host:port)',
      'invalid_upstream',
    );
  }
  return url;
}

function invalid(
  message: string,
  code: 'invalid_option' | 'invalid_upstream' = 'invalid_option',
  cause?: unknown,
): ProxyError {
  return new ProxyError(code, message, cause === undefined ? {} : { cause });
}
