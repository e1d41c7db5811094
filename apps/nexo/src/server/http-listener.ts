import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { normalizeHost } from '@nexo/router';
import type { LimitsConfig } from '../config/types.js';
import type { ConnectionTracker } from './connection-tracker.js';
import { sendPlain } from './plain-response.js';

export interface HttpListenerOptions {
  limits: LimitsConfig;
  tracker: ConnectionTracker;
  /** Whether a normalised host is configured (routed) right now. */
  isConfigured: (host: string) => boolean;
  /** The HTTPS listener's public port, for the Location (omitted when 443). */
  httpsPort: () => number;
}

/**
 * The optional plain-HTTP listener (`listen.http`): redirects configured hosts to the
 * same URL on https with 308 (method and body kept), and answers anything else with a
 * fixed error that never echoes the Host it was sent.
 */
export function createHttpListener(options: HttpListenerOptions): Server {
  const { limits, tracker } = options;
  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: limits.headerTimeoutMs,
    keepAliveTimeout: 5000,
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.once('close', tracker.requestStarted(req.socket));
    if (tracker.draining) res.setHeader('connection', 'close');
    redirectToHttps(req, res, options);
  });
  return server;
}

function redirectToHttps(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpListenerOptions,
): void {
  const host = normalizeHost(req.headers.host ?? '');
  if (host === undefined) {
    sendPlain(res, 400, 'missing or malformed host');
    return;
  }
  if (!options.isConfigured(host)) {
    sendPlain(res, 404, 'unknown host');
    return;
  }

  const port = options.httpsPort();
  const authority = port === 443 ? host : `${host}:${port}`;
  const target = req.url?.startsWith('/') ? req.url : '/';
  sendPlain(res, 308, 'redirecting to https', { location: `https://${authority}${target}` });
}
