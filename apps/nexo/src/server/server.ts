import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type AccessEvent, createProxy, type Proxy as ProxyEngine } from '@nexo/proxy';
import { openServerCertificates } from '../certs/server-certificates.js';
import type { ListenAddress, NexoConfig } from '../config/types.js';
import { buildSnapshot } from './build-snapshot.js';
import type { ServerCertificates } from './certificates-port.js';
import { ConnectionTracker } from './connection-tracker.js';
import { type ConfigDiff, diffConfig } from './diff-config.js';
import { createHttpListener } from './http-listener.js';
import { createHttpsListener } from './https-listener.js';
import type { Logger } from './logger.js';
import { createRequestHandlers } from './request-handler.js';
import type { RoutingSnapshot } from './route.js';

export interface StartServerOptions {
  config: NexoConfig;
  /** The application's pino logger; the server makes child loggers from it. */
  logger: Logger;
}

/** The addresses the listeners are bound to (the real port when the config said 0). */
export interface ServerAddresses {
  https: AddressInfo;
  http: AddressInfo | undefined;
}

/** A running server. */
export interface NexoServer {
  readonly addresses: ServerAddresses;
  /** The config in effect (the last one applied). */
  readonly config: NexoConfig;
  /**
   * Applies a validated config: swaps the routes atomically (in-flight requests finish on
   * their old route), releases retired upstream pools, obtains new certificates in the
   * background. Settings that need a restart are listed and otherwise ignored.
   */
  applyConfig(next: NexoConfig): Promise<ConfigDiff>;
  /**
   * Stops accepting, lets in-flight requests finish up to `deadlineMs` (default the
   * config's `shutdown.deadline`), closes upgraded sockets, then cuts what is left.
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}

/**
 * Starts Nexo's listeners with the certificates already stored and begins obtaining the
 * missing ones in the background, so a CA or DNS API outage never delays serving.
 */
export async function startServer(options: StartServerOptions): Promise<NexoServer> {
  const { config } = options;
  const logger = options.logger.child({ component: 'server' });
  const accessLogger = options.logger.child({ component: 'access' });

  const certificates = await openServerCertificates({ config, logger: options.logger });
  const proxy = createProxyEngine(config, options.logger, accessLogger);

  // Swapped whole by applyConfig; requests read it once when they start.
  const routing = { current: buildSnapshot(config, proxy, undefined).snapshot };
  const tracker = new ConnectionTracker();
  const listeners = await listen({
    config,
    proxy,
    certificates,
    tracker,
    snapshot: () => routing.current,
    accessLogger,
    logger,
  }).catch(async (error: unknown) => {
    // Nothing may keep the process alive after a failed start (Redis connections, pools).
    await Promise.allSettled([proxy.close({ deadlineMs: 0 }), certificates.close()]);
    throw error;
  });
  logger.info(
    { https: formatAddress(listeners.addresses.https), http: formatHttp(listeners.addresses) },
    'listening',
  );
  certificates.follow(config);

  return serverHandle({ listeners, tracker, proxy, certificates, logger, routing });
}

/** Proxy options that come from the config; they are read once (see RESTART_KEYS). */
function createProxyEngine(config: NexoConfig, logger: Logger, accessLogger: Logger) {
  return createProxy({
    trustedProxies: config.trustedProxies,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxHeaderBytes: config.limits.maxHeaderBytes,
    // No overall limit on receiving a request: slow uploads are fine once headers are in.
    timeouts: { requestMs: 0, keepAliveMs: config.limits.idleTimeoutMs },
    logger,
    onAccess: (event) => logProxyAccess(accessLogger, event),
  });
}

interface HandleParts {
  listeners: Listeners;
  tracker: ConnectionTracker;
  proxy: ProxyEngine;
  certificates: ServerCertificates;
  logger: Logger;
  routing: { current: RoutingSnapshot };
}

function serverHandle(parts: HandleParts): NexoServer {
  const { listeners, tracker, proxy, certificates, logger, routing } = parts;
  let closing: Promise<void> | undefined;

  return {
    addresses: listeners.addresses,
    get config() {
      return routing.current.config;
    },

    async applyConfig(next) {
      const diff = diffConfig(routing.current.config, next);
      const built = buildSnapshot(next, proxy, routing.current);
      routing.current = built.snapshot;
      for (const target of built.retired) target.release();

      certificates.follow(next);
      logger.debug(
        {
          added: diff.added,
          changed: diff.changed,
          removed: diff.removed,
          restart_required: diff.restartRequired,
        },
        'config applied',
      );
      return diff;
    },

    close(closeOptions) {
      closing ??= shutdown({
        deadlineMs: closeOptions?.deadlineMs ?? routing.current.config.shutdown.deadlineMs,
        listeners,
        tracker,
        proxy,
        certificates,
        logger,
      });
      return closing;
    },
  };
}

interface Listeners {
  https: Http2SecureServer;
  http: HttpServer | undefined;
  addresses: ServerAddresses;
}

interface ListenOptions {
  config: NexoConfig;
  proxy: ProxyEngine;
  certificates: ServerCertificates;
  tracker: ConnectionTracker;
  snapshot: () => RoutingSnapshot;
  accessLogger: Logger;
  logger: Logger;
}

async function listen(options: ListenOptions): Promise<Listeners> {
  const { config, tracker } = options;
  const handlers = createRequestHandlers({
    snapshot: options.snapshot,
    proxy: options.proxy,
    coversHost: (servername, host) => options.certificates.coversHost(servername, host),
    tracker,
    accessLogger: options.accessLogger,
  });

  const https = createHttpsListener({
    sniCallback: options.certificates.sniCallback,
    limits: config.limits,
    onRequest: handlers.onRequest,
    onCheckContinue: handlers.onCheckContinue,
    onUpgrade: handlers.onUpgrade,
  });
  tracker.attach(https, { tls: true });
  // Usually a name without a certificate (yet) or a scanner; useful when debugging.
  https.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    options.logger.debug(
      { code: error.code, servername: socket.servername || undefined },
      'tls handshake failed',
    );
  });
  const httpsAddress = await bind(https, config.listen.https, options.logger);

  if (config.listen.http === undefined) {
    return { https, http: undefined, addresses: { https: httpsAddress, http: undefined } };
  }

  const http = createHttpListener({
    limits: config.limits,
    tracker,
    isConfigured: (host) => options.snapshot().table.matchNormalized(host) !== undefined,
    httpsPort: () => httpsAddress.port,
  });
  tracker.attach(http, { tls: false });
  try {
    const httpAddress = await bind(http, config.listen.http, options.logger);
    return { https, http, addresses: { https: httpsAddress, http: httpAddress } };
  } catch (error) {
    https.close();
    throw error;
  }
}

/**
 * Listens, turning a bind failure into an error that names the address. Later listener
 * errors (EMFILE on accept, ...) are logged: an unhandled one would stop the process.
 */
function bind(
  server: HttpServer | Http2SecureServer,
  address: ListenAddress,
  logger: Logger,
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(new ListenError(address, error));
    };
    server.once('error', onError);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off('error', onError);
      server.on('error', (error) => {
        logger.error({ err: error, address: address.text }, 'listener error');
      });
      resolve(server.address() as AddressInfo);
    });
  });
}

/** A listener could not bind its address (port taken, no permission, no such interface). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code = 'LISTEN_FAILED';
  readonly address: string;

  constructor(address: ListenAddress, cause: NodeJS.ErrnoException) {
    const hint =
      cause.code === 'EADDRINUSE'
        ? 'another process uses that port; stop it or choose another address'
        : cause.code === 'EACCES'
          ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE'
          : 'check the address in the config';
    super(`cannot listen on ${address.text}: ${cause.code ?? cause.message}; ${hint}`, {
      cause,
    });
    this.address = address.text;
  }
}

interface ShutdownOptions {
  deadlineMs: number;
  listeners: Listeners;
  tracker: ConnectionTracker;
  proxy: ProxyEngine;
  certificates: ServerCertificates;
  logger: Logger;
}

async function shutdown(options: ShutdownOptions): Promise<void> {
  const { listeners, tracker, logger } = options;
  logger.info({ deadline_ms: options.deadlineMs, connections: tracker.size }, 'shutting down');

  const stopped = Promise.all([
    closeServer(listeners.https),
    listeners.http === undefined ? undefined : closeServer(listeners.http),
  ]);
  tracker.drain();

  const [, { forced }] = await Promise.all([
    withinDeadline(options.proxy.close({ deadlineMs: options.deadlineMs }), options, 'proxy'),
    tracker.closed(options.deadlineMs),
    options.certificates.close(),
  ]);
  await withinDeadline(stopped, options, 'listeners');
  logger.info({ forced_connections: forced }, 'server closed');
}

/** Grace after the deadline for closes that should have finished by then. */
const CLOSE_GRACE_MS = 1000;

/**
 * Waits for `closing`, but never much past the deadline: shutdown must end even when a
 * part waits for something that will never finish (an upstream stream nobody reads).
 */
async function withinDeadline(
  closing: Promise<unknown>,
  options: ShutdownOptions,
  part: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, options.deadlineMs + CLOSE_GRACE_MS, 'late');
  });
  const outcome = await Promise.race([closing, late]);
  clearTimeout(timer);
  if (outcome === 'late') options.logger.warn({ part }, 'close did not finish by the deadline');
}

function closeServer(server: HttpServer | Http2SecureServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function logProxyAccess(logger: Logger, event: AccessEvent): void {
  const query = event.path.indexOf('?');
  logger.info(
    {
      method: event.method,
      host: event.host,
      path: query === -1 ? event.path : event.path.slice(0, query),
      status: event.status,
      duration_ms: event.durationMs,
      bytes_in: event.bytesIn,
      bytes_out: event.bytesOut,
      upstream: event.upstream,
      client_ip: event.clientIp,
      error: event.errorCode,
      upgrade: event.upgrade || undefined,
    },
    'request',
  );
}

function formatAddress(address: AddressInfo): string {
  return address.family === 'IPv6'
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

function formatHttp(addresses: ServerAddresses): string | undefined {
  return addresses.http === undefined ? undefined : formatAddress(addresses.http);
}
