import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { classifyError, isConnectFailure, rawGatewayError } from './gateway-errors.js';
import { HeaderKind, headerKind } from './header-names.js';
import type { ProxyState } from './proxy-state.js';
import type { Target } from './proxy-target.js';
import { type RequestFacts, readRequestHeaders } from './request-headers.js';
import type { ProxyErrorCode } from './types.js';
import type { Upstream } from './upstream.js';

const kUpgrade = Symbol('nexo.upgrade');
const kPeer = Symbol('nexo.peer');

type TaggedSocket = Duplex & { [kUpgrade]?: ForwardUpgrade; [kPeer]?: Duplex };

/**
 * Forwards an HTTP/1.1 upgrade (WebSocket and others): the upstream's 101 is relayed
 * and the two sockets are piped both ways until either side closes. Any other answer
 * from the upstream is relayed as a normal response that closes the connection.
 */
export function forwardUpgrade(
  state: ProxyState,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: Target,
): void {
  new ForwardUpgrade(state, req, socket, head, target).start();
}

class ForwardUpgrade implements RequestFacts, Dispatcher.DispatchHandler {
  headers: string[] = [];
  hostIndex = 0;
  host = '';
  clientIp = '';
  contentLength = -1;
  hasBody = false;
  hasAuthorization = false;
  upgrade = '';

  readonly #state: ProxyState;
  readonly #req: IncomingMessage;
  readonly #socket: TaggedSocket;
  readonly #head: Buffer;
  readonly #target: Target;
  readonly #startedAt = performance.now();
  #upstream: Upstream | undefined;
  #abort: ((reason?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #status = 0;
  #errorCode: ProxyErrorCode | undefined;
  #closed = false;

  constructor(
    state: ProxyState,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: Target,
  ) {
    this.#state = state;
    this.#req = req;
    this.#socket = socket;
    this.#head = head;
    this.#target = target;
  }

  start(): void {
    const state = this.#state;
    const socket = this.#socket;
    socket[kUpgrade] = this;
    socket.on('error', onSocketError);
    socket.on('close', onClientClose);
    socket.on('drain', onClientDrain);
    state.started();
    state.upgrades.add(socket);
    if (state.closing) {
      this.#fail('proxy_closing');
      return;
    }

    const valid = readRequestHeaders(this, this.#req, state.trusted);
    if (!valid || this.upgrade === '') {
      this.#fail('bad_request');
      return;
    }

    const upstream = this.#target.pick();
    if (upstream === undefined) {
      this.#fail('no_healthy_upstream');
      return;
    }

    this.#upstream = upstream;
    if (this.#target.rewriteHost) this.headers[this.hostIndex] = upstream.host;
    upstream.entry.pool.dispatch(
      {
        method: this.#req.method ?? 'GET',
        path: this.#req.url ?? '/',
        headers: this.headers,
        upgrade: this.upgrade,
        headersTimeout: this.#target.headersTimeout,
      },
      this,
    );
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    if (this.#closed) abort(new Error('client closed the connection'));
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | string[] | null, upstream: Duplex): void {
    const socket = this.#socket;
    if (this.#closed) {
      upstream.destroy();
      return;
    }

    this.#status = statusCode;
    this.#abort = null;
    socket.write(`HTTP/1.1 ${statusCode} Switching Protocols\r\n${rawHead(rawHeaders, true)}\r\n`);
    if (this.#head.length > 0) upstream.write(this.#head);

    const peer = upstream as TaggedSocket;
    socket[kPeer] = upstream;
    peer[kPeer] = socket;
    upstream.on('error', onSocketError);
    upstream.on('close', onPeerClose);
    socket.off('drain', onClientDrain);
    socket.pipe(upstream);
    upstream.pipe(socket);

    const idleMs = this.#state.options.upgradeIdleMs;
    if (idleMs > 0) {
      (socket as Socket).setTimeout(idleMs, onIdle);
    }
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200 || this.#closed) return true;
    this.#status = statusCode;
    this.#resume = resume;
    const reason = STATUS_CODES[statusCode] ?? '';
    return this.#socket.write(
      `HTTP/1.1 ${statusCode} ${reason}\r\n${rawHead(rawHeaders, false)}connection: close\r\n\r\n`,
    );
  }

  onData(chunk: Buffer): boolean {
    if (this.#closed) return true;
    return this.#socket.write(chunk);
  }

  onComplete(): void {
    this.#abort = null;
    if (this.#status !== 101) this.#socket.end();
  }

  onError(error: Error): void {
    this.#abort = null;
    if (this.#errorCode !== undefined || this.#closed) return;

    const code = classifyError(error);
    if (isConnectFailure(code, error)) {
      this.#upstream!.failedUntil = Date.now() + this.#target.passiveFailMs;
    }
    this.#fail(code, error);
  }

  /** @internal */
  drained(): void {
    this.#resume?.();
  }

  /** @internal Called once the client socket is closed. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;

    this.#abort?.(new Error('client closed the connection'));
    const socket = this.#socket;
    socket[kPeer]?.destroy();
    this.#state.upgrades.delete(socket);
    if (this.#state.reportsAccess) this.#report();
    this.#state.finished();
  }

  #fail(code: ProxyErrorCode, error?: unknown): void {
    this.#errorCode = code;
    this.#state.logger?.warn(
      { code, err: error, host: this.host, upstream: this.#upstream?.origin },
      'upgrade failed',
    );

    const socket = this.#socket;
    if (this.#status !== 0) {
      socket.destroy();
      return;
    }
    socket.end(rawGatewayError(code));
  }

  #report(): void {
    const socket = this.#socket as Duplex & { bytesRead?: number; bytesWritten?: number };
    this.#state.report({
      method: this.#req.method ?? '',
      host: this.host,
      path: this.#req.url ?? '',
      status: this.#errorCode === undefined || this.#status !== 0 ? this.#status : 0,
      durationMs: performance.now() - this.#startedAt,
      bytesIn: socket.bytesRead ?? 0,
      bytesOut: socket.bytesWritten ?? 0,
      upstream: this.#upstream?.origin,
      clientIp: this.clientIp,
      errorCode: this.#errorCode,
      upgrade: true,
    });
  }
}

/**
 * Serialises upstream response headers for the client socket. For a 101 everything is
 * kept (Upgrade and Connection are the point); otherwise framing and hop-by-hop
 * headers go, since the proxy ends the response by closing the connection.
 */
function rawHead(rawHeaders: readonly (Buffer | string)[] | null, switching: boolean): string {
  if (rawHeaders === null) return '';

  let head = '';
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toString('latin1');
    if (!switching && !keptOnClose(headerKind(name))) continue;
    head += `${name}: ${rawHeaders[i + 1]!.toString('latin1')}\r\n`;
  }
  return head;
}

function keptOnClose(kind: HeaderKind): boolean {
  return (
    kind === HeaderKind.Other || kind === HeaderKind.CacheControl || kind === HeaderKind.SetCookie
  );
}

function onSocketError(this: Duplex): void {
  // Either side failing ends the pair; the 'close' handlers do the bookkeeping.
  this.destroy();
}

function onClientClose(this: TaggedSocket): void {
  this[kUpgrade]?.closed();
}

function onPeerClose(this: TaggedSocket): void {
  this[kPeer]?.destroy();
}

function onClientDrain(this: TaggedSocket): void {
  this[kUpgrade]?.drained();
}

function onIdle(this: Duplex): void {
  this.destroy();
}
