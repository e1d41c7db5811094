import { DnsProviderError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseRetryAfter, type RetryOptions, retryDelayMs, sleep } from '../retry.js';

/** Cloudflare's API v4 base URL. */
export const CLOUDFLARE_API_URL = 'https://api.cloudflare.com/client/v4';

interface Envelope<T> {
  success: boolean;
  errors?: Array<{ code: number; message: string; error_chain?: Array<{ code: number }> }>;
  result: T;
  result_info?: { page: number; total_pages: number };
}

export interface CloudflareRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  /** What is being done, for error messages: "create a TXT record in example.com". */
  action: string;
}

export interface CloudflareApiOptions {
  apiToken: string;
  apiUrl: string;
  logger: Logger;
  retry: RetryOptions;
  requestTimeoutMs: number;
}

/** A Cloudflare API response that was not a success, after retries. */
export interface CloudflareFailure {
  status: number;
  codes: number[];
  messages: string[];
  retryAfterMs: number | undefined;
}

const PROVIDER = 'cloudflare';
const TOKEN_CODES = new Set([1000, 6003, 6111, 9106]);
const ZONE_CODES = new Set([1001, 7000, 7003]);

/**
 * Calls the Cloudflare API: Bearer auth, retries 429 and 5xx (and connection failures)
 * with backoff that honours `Retry-After`, and turns failures into `DnsProviderError`s
 * whose message says what to fix. `onFailure` may claim a failure (e.g. "record already
 * gone") by returning a value instead of letting it throw.
 */
export async function callCloudflare<T>(
  options: CloudflareApiOptions,
  request: CloudflareRequest,
  onFailure?: (failure: CloudflareFailure) => { value: T } | undefined,
): Promise<Envelope<T>> {
  const maxAttempts = Math.max(1, options.retry.maxAttempts ?? 5);

  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce<T>(options, request);
    if ('envelope' in outcome) return outcome.envelope;

    const failure = outcome.failure;
    const retryable = failure.status === 0 || failure.status === 429 || failure.status >= 500;
    if (retryable && attempt < maxAttempts) {
      const delayMs = retryDelayMs(attempt, options.retry, failure.retryAfterMs);
      options.logger.warn(
        { status: failure.status, attempt, delay_ms: delayMs, path: request.path },
        'cloudflare request failed, retrying',
      );
      await sleep(delayMs, request.signal);
      continue;
    }

    const claimed = onFailure?.(failure);
    if (claimed !== undefined) {
      return { success: true, result: claimed.value };
    }
    throw toProviderError(request, failure, outcome.cause);
  }
}

async function attemptOnce<T>(
  options: CloudflareApiOptions,
  request: CloudflareRequest,
): Promise<{ envelope: Envelope<T> } | { failure: CloudflareFailure; cause?: unknown }> {
  const url = new URL(`${options.apiUrl.replace(/\/$/, '')}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    url.searchParams.set(key, value);
  }
  const timeout = AbortSignal.timeout(options.requestTimeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;

  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${options.apiToken}`,
        'content-type': 'application/json',
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    });
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    const failure = { status: 0, codes: [], messages: [], retryAfterMs: undefined };
    return { failure, cause: error };
  }

  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const text = await response.text();
  let envelope: Envelope<T> | undefined;
  try {
    envelope = JSON.parse(text) as Envelope<T>;
  } catch {
    envelope = undefined;
  }

  if (response.ok && envelope?.success === true) return { envelope };
  const errors = envelope?.errors ?? [];
  return {
    failure: {
      status: response.status,
      codes: errors.flatMap((e) => [e.code, ...(e.error_chain ?? []).map((c) => c.code)]),
      messages:
        errors.length > 0 ? errors.map((e) => `${e.code}: ${e.message}`) : [text.slice(0, 120)],
      retryAfterMs,
    },
  };
}

function toProviderError(
  request: CloudflareRequest,
  failure: CloudflareFailure,
  cause: unknown,
): DnsProviderError {
  const said =
    failure.messages.length > 0 ? ` (Cloudflare said ${failure.messages.join('; ')})` : '';
  const details = {
    provider: PROVIDER,
    status: failure.status,
    retryAfterMs: failure.retryAfterMs,
  };
  const make = (code: string, advice: string) =>
    new DnsProviderError(code, `could not ${request.action}${said}: ${advice}`, details, { cause });

  const invalidToken =
    failure.codes.some((code) => TOKEN_CODES.has(code)) ||
    failure.messages.some((message) => /invalid access token|invalid api token/i.test(message));
  if (invalidToken) {
    return make(
      'INVALID_CREDENTIALS',
      'Cloudflare rejected the API token; check that apiToken is an API token (not the ' +
        'Global API Key), copied whole, not expired',
    );
  }
  if (failure.codes.includes(10000) || failure.codes.includes(9109) || failure.status === 403) {
    return make(
      'PERMISSION_DENIED',
      'the API token lacks a permission; give it Zone:DNS:Edit on the zone (and Zone:Zone:' +
        'Read to find zones by name, or configure the zone id)',
    );
  }
  if (failure.codes.some((code) => ZONE_CODES.has(code)) || failure.status === 404) {
    return make('ZONE_NOT_FOUND', 'the zone does not exist or the token cannot see it');
  }
  if (failure.status === 429) {
    return make('RATE_LIMITED', 'Cloudflare is rate limiting this token; retry later');
  }
  if (failure.status === 0) {
    return make(
      'PROVIDER_UNAVAILABLE',
      `the Cloudflare API could not be reached (${describeCause(cause)}); check apiUrl ` +
        'and the network',
    );
  }
  if (failure.status >= 500) {
    return make('PROVIDER_UNAVAILABLE', 'the Cloudflare API is failing; retry later');
  }
  return make('PROVIDER_REQUEST_FAILED', `Cloudflare answered HTTP ${failure.status}`);
}

/** `fetch` hides the socket error in `cause`: dig it out for the message. */
function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (inner?.code !== undefined) return inner.code;
  if (cause instanceof Error) return cause.message;
  return 'unknown error';
}
