import type { IncomingMessage } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
  type ServerHttp2Stream,
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
    // As many header fields as HTTP/1.1 accepts (Node's 2000), not HTTP/2's default 128.
    maxHeaderListPairs: 2000,
    maxSessionInvalidFrames: 100,
    // A connection that never completes its TLS handshake is dropped like one that never
    // sends its request headers.
    handshakeTimeout: limits.headerTimeoutMs,
  });

  // These are read by Node's HTTP/1.1 connection handling, which the secure server reuses.
  // keepAliveTimeout, not an inactivity timeout: a response in progress that stays quiet
  // (server-sent events, long polling) must never be cut for being idle.
  Object.assign(server, {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: limits.idleTimeoutMs,
  });
  server.on('session', (session: ServerHttp2Session) => {
    session.setTimeout(limits.idleTimeoutMs, closeIfIdle);
    session.on('stream', countStream);
  });

  server.on('request', options.onRequest);
  server.on('checkContinue', options.onCheckContinue);
  server.on('upgrade', options.onUpgrade);
  return server;
}

// HTTP/2 sessions: Node's session timeout fires on inactivity whatever the streams are
// doing, so the session is closed only when no stream is open: a keep-alive timeout.
const kOpenStreams = Symbol('openStreams');
const kSession = Symbol('session');
type CountedSession = ServerHttp2Session & { [kOpenStreams]?: number };
type CountedStream = ServerHttp2Stream & { [kSession]?: CountedSession };

function countStream(this: CountedSession, stream: CountedStream): void {
  this[kOpenStreams] = (this[kOpenStreams] ?? 0) + 1;
  stream[kSession] = this;
  stream.once('close', uncountStream);
}

function uncountStream(this: CountedStream): void {
  const session = this[kSession];
  if (session !== undefined) session[kOpenStreams] = (session[kOpenStreams] ?? 1) - 1;
}

function closeIfIdle(this: CountedSession): void {
  if ((this[kOpenStreams] ?? 0) === 0) this.close();
}
