import type { IncomingMessage } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { LimitsConfig } from '../config/types.js';

export type SniCallback = (
  servername: string,
  callback: (error: Error | null, context?: SecureContext) => void,
) => void;

export interface HttpsListenerOptions {
  sniCallback: SniCallback;
  limits: LimitsConfig;
  onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  /** `Expect: 100-continue` requests; without it Node would send 100 unconditionally. */
  onCheckContinue: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * The HTTPS listener: HTTP/2 and HTTP/1.1 chosen by ALPN, TLS 1.2 at least, the
 * certificate picked per SNI. Requests have no overall time limit (long downloads and
 * uploads work); header arrival and idle connections are limited by `limits`.
 */
export function createHttpsListener(options: HttpsListenerOptions): Http2SecureServer {
  const { limits } = options;
  const server = createSecureServer({
    allowHTTP1: true,
    minVersion: 'TLSv1.2',
    SNICallback: options.sniCallback,
    settings: { maxHeaderListSize: limits.maxHeaderBytes },
    maxSessionInvalidFrames: 100,
  });

  // These are read by Node's HTTP/1.1 connection handling, which the secure server reuses.
  Object.assign(server, {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: 0,
  });
  server.setTimeout(limits.idleTimeoutMs);

  server.on('request', options.onRequest);
  server.on('checkContinue', options.onCheckContinue);
  server.on('upgrade', options.onUpgrade);
  return server;
}
