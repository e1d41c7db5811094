import { resolveOptions } from './resolve-options.js';
import type { ProxyOptions, ServerLimitOptions } from './types.js';

/**
 * Server options that enforce the proxy's client-side limits: header size (431),
 * time to receive a request, idle keep-alive. Spread into `http.createServer`,
 * `https.createServer` or `http2.createSecureServer({ allowHTTP1: true, ... })`.
 */
export function serverOptions(options: ProxyOptions = {}): ServerLimitOptions {
  const resolved = resolveOptions(options);
  const requestTimeout = resolved.requestMs;
  return {
    maxHeaderSize: resolved.maxHeaderBytes,
    requestTimeout,
    // Node requires headersTimeout <= requestTimeout; 0 turns the request limit off.
    headersTimeout: requestTimeout > 0 ? requestTimeout : 60_000,
    keepAliveTimeout: resolved.keepAliveMs,
    // Node checks request timeouts on this interval (30 s by default, which would let a
    // slow client hold a connection for up to twice the limit).
    connectionsCheckingInterval: clamp(Math.floor(requestTimeout / 6), 100, 5_000),
    settings: { maxHeaderListSize: resolved.maxHeaderBytes },
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
