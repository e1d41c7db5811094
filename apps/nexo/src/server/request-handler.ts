import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Proxy as ProxyEngine } from '@nexo/proxy';
import { normalizeHost, redirectLocation } from '@nexo/router';
import type { ConnectionTracker } from './connection-tracker.js';
import type { Logger } from './logger.js';
import { type AnyServerResponse, sendPlain } from './plain-response.js';
import type { Route, RoutingSnapshot } from './route.js';

/** Whether the certificate chosen for a TLS server name also covers a host. */
export type CoversHost = (servername: string | undefined, host: string) => boolean;

export interface RequestHandlerOptions {
  /** The current routing snapshot; read once per request. */
  snapshot: () => RoutingSnapshot;
  proxy: ProxyEngine;
  coversHost: CoversHost;
  tracker: ConnectionTracker;
  /**
   * Access log for the answers the server gives itself (errors, redirects); proxied
   * requests are logged from the proxy's access events.
   */
  accessLogger: Logger;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** Resolution of a request's host: a route, or the status to answer with. */
type Resolution = { route: Route; host: string } | { status: number; text: string };

/**
 * The HTTPS listener's request and upgrade handlers: resolve the host, check that the
 * connection's certificate covers it (421 otherwise, so clients that coalesced
 * connections retry on a fresh one), then redirect or proxy.
 */
export function createRequestHandlers(options: RequestHandlerOptions) {
  const { proxy, tracker, accessLogger } = options;

  /** A request with `Expect: 100-continue`: the proxy decides whether to send 100. */
  function onCheckContinue(req: AnyRequest, res: AnyServerResponse): void {
    handle(req, res, true);
  }

  function onRequest(req: AnyRequest, res: AnyServerResponse): void {
    handle(req, res, false);
  }

  function handle(req: AnyRequest, res: AnyServerResponse, expectsContinue: boolean): void {
    if (req.httpVersionMajor === 1) trackHttp1(req, res);
    const resolution = resolve(req, options);

    if ('status' in resolution) {
      logWhenClosed(accessLogger, req, res, undefined);
      sendPlain(res, resolution.status, resolution.text);
      return;
    }

    const { route, host } = resolution;
    if (route.kind === 'redirect') {
      logWhenClosed(accessLogger, req, res, host);
      sendPlain(res, route.redirect.status, 'redirecting', {
        location: redirectLocation(route.redirect, req.url ?? '/'),
        'cache-control': route.redirect.cacheControl,
      });
      return;
    }
    if (expectsContinue) proxy.handleCheckContinue(req, res, route.target);
    else proxy.handleRequest(req, res, route.target);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    tracker.upgraded(req.socket);
    const resolution = resolve(req, options);

    if ('status' in resolution || resolution.route.kind !== 'upstream') {
      const status = 'status' in resolution ? resolution.status : 400;
      rejectUpgrade(socket, status);
      return;
    }
    proxy.handleUpgrade(req, socket, head, resolution.route.target);
  }

  function trackHttp1(req: AnyRequest, res: AnyServerResponse): void {
    const done = tracker.requestStarted(req.socket);
    res.once('close', done);
    if (tracker.draining) res.setHeader('connection', 'close');
  }

  return { onRequest, onCheckContinue, onUpgrade };
}

// RFC 9112 §3.2: a request with more than one Host header gets 400. node:http keeps the
// first in `req.headers`, so the routing above looked at one of several.
const REPEATED_HOST: Resolution = { status: 400, text: 'more than one host header' };

/**
 * The route for a request, or the status to answer. A repeated Host is checked only on
 * the answers given here: the proxy refuses it in the header scan it does anyway, so
 * proxied requests (the hot path) pay no second pass over their headers.
 */
function resolve(req: AnyRequest, options: RequestHandlerOptions): Resolution {
  const resolution = route(req, options);
  if ('route' in resolution && resolution.route.kind === 'upstream') return resolution;
  return repeatsHost(req.rawHeaders) ? REPEATED_HOST : resolution;
}

function repeatsHost(raw: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

function route(req: AnyRequest, options: RequestHandlerOptions): Resolution {
  const raw = req.headers[':authority'] ?? req.headers.host;
  const host = typeof raw === 'string' ? normalizeHost(raw) : undefined;
  if (host === undefined) return { status: 400, text: 'missing or malformed host' };

  const route = options.snapshot().table.matchNormalized(host);
  if (route === undefined) return { status: 404, text: 'unknown host' };

  const servername = (req.socket as TLSSocket).servername;
  if (!options.coversHost(typeof servername === 'string' ? servername : undefined, host)) {
    return { status: 421, text: 'misdirected request: connect with this host as tls server name' };
  }
  return { route, host };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  421: 'Misdirected Request',
};

function rejectUpgrade(socket: Duplex, status: number): void {
  const reason = REASONS[status] ?? 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/** One access line with allowlisted fields: never headers, never the query string. */
function logWhenClosed(
  logger: Logger,
  req: AnyRequest,
  res: AnyServerResponse,
  host: string | undefined,
): void {
  const startedAt = performance.now();
  res.once('close', () => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    logger.info(
      {
        method: req.method,
        host,
        path: query === -1 ? url : url.slice(0, query),
        status: res.statusCode,
        protocol: `HTTP/${req.httpVersion}`,
        client_ip: req.socket?.remoteAddress,
        duration_ms: Math.round((performance.now() - startedAt) * 10) / 10,
      },
      'request',
    );
  });
}
