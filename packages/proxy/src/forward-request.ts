import type { ServerResponse } from 'node:http';
import {
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2Constants,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { BodyLimiter } from './body-limiter.js';
import { classifyError, isConnectFailure, sendGatewayError } from './gateway-errors.js';
import type { ProxyState } from './proxy-state.js';
import type { Target } from './proxy-target.js';
import { type RequestFacts, readRequestHeaders } from './request-headers.js';
import { responseHeaders, writeHead } from './response-headers.js';
import type { ProxyErrorCode, ProxyRequest, ProxyResponse } from './types.js';
import type { Upstream } from './upstream.js';

const kForward = Symbol('nexo.forward');

type TaggedResponse = ProxyResponse & { [kForward]?: ForwardRequest };

const RETRYABLE: ReadonlySet<ProxyErrorCode> = new Set([
  'upstream_refused',
  'upstream_reset',
  'upstream_unavailable',
]);

/**
 * Forwards one request to the target and streams the response back. `sendContinue`
 * answers a pending `Expect: 100-continue` once the request passed the proxy's checks.
 */
export function forwardRequest(
  state: ProxyState,
  req: ProxyRequest,
  res: ProxyResponse,
  target: Target,
  sendContinue: boolean,
): void {
  new ForwardRequest(state, req, res, target).start(sendContinue);
}

/**
 * One request in flight, and its undici dispatch handler. The listeners it needs on
 * the response are shared module functions that find it through a symbol, so a
 * request costs this object and the header list, not a set of closures.
 */
class ForwardRequest implements RequestFacts, Dispatcher.DispatchHandler {
  headers: string[] = [];
  hostIndex = 0;
  host = '';
  clientIp = '';
  contentLength = -1;
  hasBody = false;
  hasAuthorization = false;
  upgrade = '';

  readonly #state: ProxyState;
  readonly #req: ProxyRequest;
  readonly #res: TaggedResponse;
  readonly #target: Target;
  readonly #startedAt = performance.now();
  #upstream: Upstream | undefined;
  #body: Readable | null = null;
  #abort: ((reason?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #active = false;
  #clientClosed = false;
  #errorCode: ProxyErrorCode | undefined;
  #bytesOut = 0;
  #attempts = 0;

  constructor(state: ProxyState, req: ProxyRequest, res: ProxyResponse, target: Target) {
    this.#state = state;
    this.#req = req;
    this.#res = res;
    this.#target = target;
  }

  start(sendContinue: boolean): void {
    const state = this.#state;
    const res = this.#res;
    res[kForward] = this;
    res.on('close', onResponseClose);
    res.on('drain', onResponseDrain);
    state.started();
    if (state.closing) {
      this.#fail('proxy_closing');
      return;
    }

    if (!readRequestHeaders(this, this.#req, state.trusted)) {
      this.#fail('bad_request');
      return;
    }
    if (this.contentLength > state.options.maxBodyBytes) {
      this.#fail('body_too_large');
      return;
    }

    const upstream = this.#target.pick();
    if (upstream === undefined) {
      this.#fail('no_healthy_upstream');
      return;
    }

    if (this.hasBody) this.#body = this.#requestBody();
    if (sendContinue) res.writeContinue();
    this.#dispatch(upstream);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    if (this.#clientClosed) abort(clientGone());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx from the upstream (103 Early Hints, a stray 100) is not relayed.
    if (statusCode < 200 || this.#clientClosed) return true;
    this.#resume = resume;

    const headers = responseHeaders(statusCode, rawHeaders, this.#target, this.hasAuthorization);
    const req = this.#req;
    if (this.hasBody && !req.complete && req.httpVersionMajor === 1) {
      // An early answer: undici stops reading the body, so the rest of it can never be
      // read and the connection cannot carry another request.
      headers.push('connection', 'close');
    }
    try {
      writeHead(this.#res, statusCode, headers);
      // A 204 or 304 is complete with its head (RFC 9110 §6.4.1). undici fails one that
      // declared a Content-Length for the body it never gets; onError lets that pass.
      if (statusCode === 204 || statusCode === 304) this.#res.end();
    } catch (error) {
      this.#fail('upstream_error', error);
      this.#abort?.(error as Error);
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#clientClosed) return true;
    this.#bytesOut += chunk.length;
    return (this.#res as ServerResponse).write(chunk);
  }

  onComplete(): void {
    this.#upstreamDone();
    if (this.#clientClosed) return;

    if (!this.#res.writableEnded) this.#res.end();
    this.#discardUnreadBody();
  }

  onError(error: Error): void {
    this.#upstreamDone();
    if (this.#errorCode !== undefined) return;
    if (this.#res.writableEnded) {
      // The response was already whole (a 204 or 304 ended at its head).
      if (!this.#clientClosed) this.#discardUnreadBody();
      return;
    }
    if (this.#clientGone()) {
      this.#errorCode = 'client_aborted';
      return;
    }

    const code = classifyError(error);
    const upstream = this.#upstream!;
    if (isConnectFailure(code, error)) {
      upstream.failedUntil = Date.now() + this.#target.passiveFailMs;
    }

    const next = this.#canRetry(code) ? this.#target.pick(upstream) : undefined;
    if (next !== undefined) {
      this.#state.logger?.debug(
        { code, upstream: upstream.origin, next: next.origin },
        'retrying on another upstream',
      );
      this.#dispatch(next);
      return;
    }
    this.#fail(code, error);
  }

  /** @internal Called when the client connection or stream closes. */
  clientClosed(): void {
    if (this.#clientClosed) return;
    this.#clientClosed = true;

    // writableEnded, not writableFinished: a reset HTTP/2 stream reports itself finished
    // on Node 20 although the response was never completed.
    if (!this.#res.writableEnded) {
      this.#errorCode ??= 'client_aborted';
      if (this.#active) this.#abort?.(clientGone());
    }
    if (this.#state.reportsAccess) this.#report();
    this.#state.finished();
  }

  /** @internal Called when the client can take more response bytes. */
  drained(): void {
    this.#resume?.();
  }

  #requestBody(): Readable {
    const req = this.#req;
    // Errors are handled by whoever reads the body (undici or the limiter); this
    // listener only keeps a client abort from becoming an uncaught 'error' event.
    req.on('error', ignoreError);
    if (this.contentLength >= 0) return req;
    return new BodyLimiter(req, this.#state.options.maxBodyBytes);
  }

  #dispatch(upstream: Upstream): void {
    const target = this.#target;
    const req = this.#req;
    this.#upstream = upstream;
    this.#attempts++;
    if (target.rewriteHost) this.headers[this.hostIndex] = upstream.host;

    upstream.entry.active++;
    this.#active = true;
    upstream.entry.pool.dispatch(
      {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: this.headers,
        body: this.#body,
        headersTimeout: target.headersTimeout,
        bodyTimeout: target.bodyTimeout,
      },
      this,
    );
  }

  #upstreamDone(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#upstream!.entry.active--;
    this.#abort = null;
  }

  /**
   * After a response that did not wait for the whole request body (an early upstream
   * answer, an error), reads and drops the rest: a paused body would keep an HTTP/2
   * stream, and so the request, open forever.
   */
  #discardUnreadBody(): void {
    const req = this.#req;
    if (!this.hasBody || req.complete) return;

    req.resume();
    const stream = (req as Partial<Http2ServerRequest>).stream;
    if (stream === undefined) return;

    // The compatibility request can stay paused even when resumed (its stream was
    // paused under it), so resume the stream too; once the response is out, ask the
    // client to stop sending with RST_STREAM(NO_ERROR) as RFC 9113 §8.1 allows.
    stream.resume();
    if (stream.writableFinished) stopUpload.call(stream);
    else stream.once('finish', stopUpload);
  }

  /** True when the client closed or broke off its request body (not an upstream fault). */
  #clientGone(): boolean {
    const req = this.#req;
    return this.#clientClosed || (this.hasBody && req.destroyed && !req.complete);
  }

  #canRetry(code: ProxyErrorCode): boolean {
    if (this.hasBody || this.#res.headersSent || !RETRYABLE.has(code)) return false;
    if (this.#attempts >= this.#target.members.length) return false;

    const method = this.#req.method;
    return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  }

  #fail(code: ProxyErrorCode, error?: unknown): void {
    if (this.#errorCode !== undefined) return;
    this.#errorCode = code;
    this.#log(code, error);
    if (this.#clientClosed) return;

    const res = this.#res;
    if (res.headersSent) {
      abortResponse(res);
      return;
    }

    const req = this.#req;
    const http1 = req.httpVersionMajor === 1;
    const unreadBody = this.hasBody && !req.complete;
    sendGatewayError(res, code, http1 && (unreadBody || code === 'proxy_closing'));
    this.#discardUnreadBody();
  }

  #log(code: ProxyErrorCode, error: unknown): void {
    const logger = this.#state.logger;
    if (logger === undefined) return;

    const fields = {
      code,
      err: error,
      host: this.host,
      upstream: this.#upstream?.origin,
    };
    if (code === 'body_too_large' || code === 'bad_request' || code === 'proxy_closing') {
      logger.debug(fields, 'request refused');
    } else {
      logger.warn(fields, 'upstream request failed');
    }
  }

  #report(): void {
    const res = this.#res;
    const req = this.#req;
    const body = this.#body;
    let bytesIn = 0;
    if (body instanceof BodyLimiter) bytesIn = body.bytes;
    else if (body !== null && req.complete) bytesIn = this.contentLength;

    this.#state.report({
      method: req.method ?? '',
      host: this.host,
      path: req.url ?? '',
      status: res.headersSent ? res.statusCode : 0,
      durationMs: performance.now() - this.#startedAt,
      bytesIn,
      bytesOut: this.#bytesOut,
      upstream: this.#upstream?.origin,
      clientIp: this.clientIp,
      errorCode: this.#errorCode,
      upgrade: false,
    });
  }
}

function onResponseClose(this: TaggedResponse): void {
  this[kForward]?.clientClosed();
}

function onResponseDrain(this: TaggedResponse): void {
  this[kForward]?.drained();
}

function ignoreError(): void {}

/**
 * Cuts a response whose head is out so the client sees it as broken, never complete:
 * an HTTP/2 stream is reset with INTERNAL_ERROR (destroying it without an error would
 * send RST_STREAM(NO_ERROR) after the data, which reads as a clean end), an HTTP/1.1
 * connection is closed before the declared length or the last chunk.
 */
function abortResponse(res: ProxyResponse): void {
  const stream = (res as Partial<Http2ServerResponse>).stream;
  if (stream === undefined) res.destroy();
  else if (!stream.closed) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
}

function stopUpload(this: ServerHttp2Stream): void {
  if (!this.closed) this.close(http2Constants.NGHTTP2_NO_ERROR);
}

function clientGone(): Error {
  return Object.assign(new Error('client closed the connection'), { code: 'client_aborted' });
}
