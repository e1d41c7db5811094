import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';

/** A pino-compatible logger; the proxy never creates one. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

/** Timeouts, all in milliseconds; 0 turns one off. */
export interface ProxyTimeouts {
  /** Receiving the whole client request (headers and body). Default 30 s. */
  requestMs?: number;
  /** Waiting for the upstream's response headers. Default 30 s. */
  upstreamHeadersMs?: number;
  /**
   * Longest silence between two chunks of an upstream response body. Default 0 (off),
   * so server-sent events and long downloads are never cut.
   */
  upstreamBodyMs?: number;
  /** Idle client connection between requests. Default 120 s. */
  keepAliveMs?: number;
  /** Connecting to an upstream. Default 10 s. */
  upstreamConnectMs?: number;
  /** Idle upgraded (WebSocket) connection. Default 0: never closed by the proxy. */
  upgradeIdleMs?: number;
}

/** Options of {@link createProxy}. The object is read once and never modified. */
export interface ProxyOptions {
  /**
   * Peers (IPs or CIDRs) allowed to send X-Forwarded-* headers, such as a CDN or a
   * load balancer. From any other peer those headers are replaced.
   */
  trustedProxies?: readonly string[];
  /** Largest request body; a larger one gets 413. Default 10 MB. */
  maxBodyBytes?: number;
  /** Largest request header block; a larger one gets 431. Default 1 MB. */
  maxHeaderBytes?: number;
  /** Most connections the proxy opens to one upstream origin. Default 256. */
  maxConnectionsPerUpstream?: number;
  timeouts?: ProxyTimeouts;
  logger?: Logger;
  /** Called once per finished request or upgrade, after the response. */
  onAccess?: (event: AccessEvent) => void;
}

/** How a target spreads requests over its upstreams. */
export type LoadBalancing = 'round_robin' | 'least_conn';

/** Optional active health check: `GET path` on every upstream, healthy on 2xx/3xx. */
export interface HealthCheckOptions {
  path: string;
  /** Default 10 s. */
  intervalMs?: number;
  /** Default 5 s. */
  timeoutMs?: number;
}

/**
 * Opt-in `Cache-Control` for proxied responses. It is added only when the upstream
 * sent none, and a value that lets shared caches store the response (`public`,
 * `s-maxage`) is skipped for requests with `Authorization` and responses with
 * `Set-Cookie`.
 */
export interface CachePolicy {
  /** Header value to add, e.g. `public, max-age=60` or `no-store`. */
  cacheControl: string;
}

/** A set of upstreams that requests are forwarded to. */
export interface TargetOptions {
  /** Upstream origins, e.g. `http://127.0.0.1:3000`. At least one. */
  upstreams: readonly string[];
  /** Default `round_robin`. */
  loadBalancing?: LoadBalancing;
  /**
   * `preserve` (default) passes the client's Host on; `upstream` sends the upstream's
   * own host:port instead.
   */
  hostHeader?: 'preserve' | 'upstream';
  healthCheck?: HealthCheckOptions;
  /**
   * How long an upstream that refused or failed a connection is skipped while others
   * remain. Default 10 s.
   */
  passiveFailMs?: number;
  cachePolicy?: CachePolicy;
  /** Overrides the proxy's `timeouts.upstreamHeadersMs` for this target. */
  upstreamHeadersMs?: number;
  /** Overrides the proxy's `timeouts.upstreamBodyMs` for this target. */
  upstreamBodyMs?: number;
}

/** Where requests go. Create new targets before releasing old ones on reload. */
export interface ProxyTarget {
  /** The normalised upstream origins. */
  readonly upstreams: readonly string[];
  /**
   * Gives the target's upstream pools back. A pool no other target uses closes once
   * its in-flight requests finish. Idempotent.
   */
  release(): void;
}

/** A request as delivered by node:http, node:https or a node:http2 compatibility server. */
export type ProxyRequest = IncomingMessage | Http2ServerRequest;
/** The matching response object. */
export type ProxyResponse = ServerResponse | Http2ServerResponse;

/** Stable codes for why a request did not get an upstream response. */
export type ProxyErrorCode =
  | 'upstream_refused'
  | 'upstream_reset'
  | 'upstream_timeout'
  | 'upstream_unavailable'
  | 'no_healthy_upstream'
  | 'body_too_large'
  | 'bad_request'
  | 'client_aborted'
  | 'proxy_closing'
  | 'upstream_error';

/** One finished request or upgrade, for the application's access log. */
export interface AccessEvent {
  method: string;
  host: string;
  /** Request target as received (path and query). */
  path: string;
  /** Status sent to the client (0 when the client went away before one was sent). */
  status: number;
  durationMs: number;
  /** Request body bytes forwarded to the upstream. */
  bytesIn: number;
  /** Response body bytes sent to the client. */
  bytesOut: number;
  /** Upstream origin used, if one was picked. */
  upstream: string | undefined;
  /** The client address after trusted-proxy processing. */
  clientIp: string;
  /** Set when the request failed (see {@link ProxyErrorCode}). */
  errorCode: ProxyErrorCode | undefined;
  upgrade: boolean;
}

/** Options that node servers need for the proxy's limits; spread into createServer. */
export interface ServerLimitOptions {
  maxHeaderSize: number;
  requestTimeout: number;
  headersTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
  /** For `http2.createSecureServer`: caps the HTTP/2 header list the same way. */
  settings: { maxHeaderListSize: number };
}

/** A reverse proxy: shared upstream pools plus request and upgrade handlers. */
export interface Proxy {
  /** Builds a target; its upstream pools are shared with other targets by origin. */
  createTarget(options: TargetOptions): ProxyTarget;
  /** Forwards one request. Never throws; failures are answered and reported. */
  handleRequest(req: ProxyRequest, res: ProxyResponse, target: ProxyTarget): void;
  /**
   * For a server's `checkContinue` event: answers 413 without `100 Continue` when the
   * announced body is too large, otherwise sends one `100 Continue` and forwards.
   */
  handleCheckContinue(req: ProxyRequest, res: ProxyResponse, target: ProxyTarget): void;
  /** Forwards an `upgrade` event (WebSocket and others) to the target. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyTarget): void;
  /** Requests and upgrades in flight. */
  readonly inFlight: number;
  /**
   * Stops taking new work (answered 503), waits for in-flight requests up to
   * `deadlineMs` (default 10 s), then closes every upstream pool.
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}
