import type { Server as NetServer } from 'node:net';
import { serverOptions } from './server-options.js';
import type { ProxyOptions } from './types.js';

/**
 * Sets the proxy's client-side limits (header size, request and keep-alive timeouts)
 * on an existing server. Needed for `http2.createSecureServer({ allowHTTP1: true })`:
 * its HTTP/1.1 fallback reads these from the server object and ignores the
 * constructor options. Harmless on `node:http`/`node:https` servers.
 */
export function applyServerLimits(server: NetServer, options: ProxyOptions = {}): void {
  const limits = serverOptions(options);
  Object.assign(server, {
    maxHeaderSize: limits.maxHeaderSize,
    requestTimeout: limits.requestTimeout,
    headersTimeout: limits.headersTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
  });
}
