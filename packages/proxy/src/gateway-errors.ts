import { STATUS_CODES } from 'node:http';
import { writeHead } from './response-headers.js';
import type { ProxyErrorCode, ProxyResponse } from './types.js';

interface GatewayError {
  readonly status: number;
  readonly body: string;
}

/**
 * The one table that turns a failed request into what the client sees. Bodies are
 * short and generic: the cause goes to the log and the access event, never the client.
 */
const GATEWAY_ERRORS: Readonly<Record<ProxyErrorCode, GatewayError>> = {
  upstream_refused: { status: 502, body: '502 Bad Gateway\n' },
  upstream_reset: { status: 502, body: '502 Bad Gateway\n' },
  upstream_unavailable: { status: 502, body: '502 Bad Gateway\n' },
  upstream_error: { status: 502, body: '502 Bad Gateway\n' },
  upstream_timeout: { status: 504, body: '504 Gateway Timeout\n' },
  no_healthy_upstream: { status: 503, body: '503 Service Unavailable\n' },
  proxy_closing: { status: 503, body: '503 Service Unavailable\n' },
  body_too_large: { status: 413, body: '413 Content Too Large\n' },
  bad_request: { status: 400, body: '400 Bad Request\n' },
  client_aborted: { status: 499, body: '' },
};

/** The status and body for a failure code. */
export function gatewayError(code: ProxyErrorCode): GatewayError {
  return GATEWAY_ERRORS[code];
}

const CODES_BY_ERROR: ReadonlyMap<string, ProxyErrorCode> = new Map([
  ['ECONNREFUSED', 'upstream_refused'],
  ['ECONNRESET', 'upstream_reset'],
  ['EPIPE', 'upstream_reset'],
  ['UND_ERR_SOCKET', 'upstream_reset'],
  ['UND_ERR_CLOSED', 'upstream_reset'],
  ['UND_ERR_DESTROYED', 'upstream_reset'],
  ['ENOTFOUND', 'upstream_unavailable'],
  ['EAI_AGAIN', 'upstream_unavailable'],
  ['EHOSTUNREACH', 'upstream_unavailable'],
  ['ENETUNREACH', 'upstream_unavailable'],
  ['EADDRNOTAVAIL', 'upstream_unavailable'],
  ['UND_ERR_CONNECT_TIMEOUT', 'upstream_timeout'],
  ['ETIMEDOUT', 'upstream_timeout'],
  ['UND_ERR_HEADERS_TIMEOUT', 'upstream_timeout'],
  ['UND_ERR_BODY_TIMEOUT', 'upstream_timeout'],
  ['UND_ERR_INVALID_ARG', 'bad_request'],
  ['UND_ERR_NOT_SUPPORTED', 'bad_request'],
  ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'bad_request'],
  ['body_too_large', 'body_too_large'],
]);

/** Classifies an error from undici or the request body stream. */
export function classifyError(error: unknown): ProxyErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'upstream_error';
  return CODES_BY_ERROR.get(code) ?? 'upstream_error';
}

/** Failures where the upstream never got the request, so it can be skipped for a while. */
export function isConnectFailure(code: ProxyErrorCode, error: unknown): boolean {
  if (code === 'upstream_refused' || code === 'upstream_unavailable') return true;
  return (error as { code?: unknown } | null)?.code === 'UND_ERR_CONNECT_TIMEOUT';
}

/**
 * Answers a failed request from the table: short plain-text body, `no-store`.
 * `closeConnection` (HTTP/1 only) ends the connection after the response, needed when
 * the request body was not read to its end.
 */
export function sendGatewayError(
  res: ProxyResponse,
  code: ProxyErrorCode,
  closeConnection: boolean,
): void {
  const { status, body } = GATEWAY_ERRORS[code];
  const headers = [
    'content-type',
    'text/plain; charset=utf-8',
    'cache-control',
    'no-store',
    'content-length',
    String(Buffer.byteLength(body)),
  ];
  if (closeConnection) headers.push('connection', 'close');

  writeHead(res, status, headers);
  res.end(body);
}

/** The same answer as raw HTTP/1.1 bytes, for a socket taken over by an upgrade. */
export function rawGatewayError(code: ProxyErrorCode): string {
  const { status, body } = GATEWAY_ERRORS[code];
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'content-type: text/plain; charset=utf-8\r\n' +
    'cache-control: no-store\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `connection: close\r\n\r\n${body}`
  );
}
