import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { AcmeConnectionError, type AcmeProblem } from './errors.js';
import type { Logger } from './logger.js';
import { parseRetryAfter, type RetryOptions, retryDelayMs, sleep } from './retry.js';

/** The response shape acme-client reads (a subset of an axios response). */
export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  data: unknown;
}

/** State of one client operation, seen by every request made on its behalf. */
export interface OperationContext {
  signal?: AbortSignal;
  /** The last problem document the CA answered with, kept to build typed errors. */
  lastProblem?: { problem: AcmeProblem; status: number; retryAfterMs?: number };
}

export interface AcmeTransportOptions {
  /** Extra CA (PEM) trusted for the directory's TLS, on top of the system roots. */
  caCertPem?: string;
  requestTimeoutMs: number;
  /** Retries of GET/HEAD answered 429 or 5xx (a signed POST cannot be replayed). */
  retry: RetryOptions;
  logger: Logger;
}

export interface AcmeTransport {
  /** Drop-in replacement for acme-client's `HttpClient#request`. */
  request(
    url: string,
    method: string,
    opts?: { data?: unknown; headers?: object },
  ): Promise<TransportResponse>;
  run<T>(context: OperationContext, fn: () => Promise<T>): Promise<T>;
  context(): OperationContext;
  close(): void;
}

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The HTTP layer of one ACME client. acme-client sends everything through one
 * process-wide axios instance (with its own silent retries); we replace that per client,
 * so each client has its own agent and trust store and an extra CA never leaks into
 * another client. Connection and TLS failures are thrown at once, with their cause.
 */
export function createAcmeTransport(options: AcmeTransportOptions): AcmeTransport {
  const ca = options.caCertPem === undefined ? undefined : [...rootCertificates, options.caCertPem];
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 8, ca });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  const storage = new AsyncLocalStorage<OperationContext>();
  const detached: OperationContext = {};

  const context = () => storage.getStore() ?? detached;

  async function request(
    url: string,
    method: string,
    opts: { data?: unknown; headers?: object } = {},
  ) {
    const verb = method.toUpperCase();
    const idempotent = verb === 'GET' || verb === 'HEAD';
    const maxAttempts = idempotent ? Math.max(1, options.retry.maxAttempts ?? 3) : 1;

    for (let attempt = 1; ; attempt++) {
      const response = await send(url, verb, opts);
      const retryAfterMs = parseRetryAfter(header(response.headers['retry-after']));
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < maxAttempts) {
        const delayMs = retryDelayMs(attempt, options.retry, retryAfterMs);
        options.logger.warn(
          { status: response.status, url, delay_ms: delayMs },
          'acme request retried',
        );
        await sleep(delayMs, context().signal);
        continue;
      }

      recordProblem(context(), response, retryAfterMs);
      return response;
    }
  }

  function send(url: string, verb: string, opts: { data?: unknown; headers?: object }) {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const body = opts.data === undefined ? undefined : JSON.stringify(opts.data);
    const signal = context().signal;

    return new Promise<TransportResponse>((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(
        target,
        {
          method: verb,
          agent: isHttps ? httpsAgent : httpAgent,
          timeout: options.requestTimeoutMs,
          signal,
          headers: {
            ...(opts.headers as Record<string, string> | undefined),
            'content-type': 'application/jose+json',
            'user-agent': 'nexo-acme (acme-client)',
            ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => reject(connectionError(url, error, signal)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              data: parseBody(res.headers, text),
            });
          });
        },
      );
      req.on('timeout', () => {
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }));
      });
      req.on('error', (error) => reject(connectionError(url, error, signal)));
      req.end(body);
    });
  }

  return {
    request,
    run: (operation, fn) => storage.run(operation, fn),
    context,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

function recordProblem(
  context: OperationContext,
  response: TransportResponse,
  retryAfterMs: number | undefined,
): void {
  const data = response.data as Partial<AcmeProblem> | undefined;
  if (response.status >= 400 && typeof data?.type === 'string') {
    context.lastProblem = { problem: data as AcmeProblem, status: response.status, retryAfterMs };
  } else if (response.status < 400) {
    context.lastProblem = undefined;
  }
}

function parseBody(headers: IncomingHttpHeaders, text: string): unknown {
  if (/json/i.test(headers['content-type'] ?? '') && text !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function connectionError(url: string, error: Error, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;

  const code = (error as NodeJS.ErrnoException).code ?? '';
  const origin = new URL(url).origin;
  if (TLS_TRUST_CODES.has(code)) {
    return new AcmeConnectionError(
      'ACME_TLS_UNTRUSTED',
      `the TLS certificate of ACME directory ${origin} is not trusted (${code}: ` +
        `${error.message}): if it is a private or test CA, pass its CA certificate as ` +
        'caCertPem; otherwise check the directory URL',
      url,
      { cause: error },
    );
  }
  if (code === 'ETIMEDOUT') {
    return new AcmeConnectionError(
      'ACME_TIMEOUT',
      `ACME directory ${origin} did not answer in time: check the URL and the network`,
      url,
      { cause: error },
    );
  }
  return new AcmeConnectionError(
    'ACME_UNREACHABLE',
    `could not reach ACME directory ${origin} (${code || error.message}): check the ` +
      'directory URL and that the CA is up',
    url,
    { cause: error },
  );
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
