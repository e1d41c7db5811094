import type { ServerResponse } from 'node:http';

/** One entry of Cloudflare's `errors` array. */
export interface CloudflareApiError {
  code: number;
  message: string;
  error_chain?: CloudflareApiError[];
}

/** Cloudflare's `result_info` pagination block of list answers. */
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

/** Cloudflare's error responses, with the codes and wording the real API uses. */
export const cloudflareErrors = {
  missingAuth: {
    status: 400,
    error: { code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' },
  },
  badAuthFormat: {
    status: 400,
    error: {
      code: 6003,
      message: 'Invalid request headers',
      error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
    },
  },
  invalidToken: { status: 403, error: { code: 9109, message: 'Invalid access token' } },
  unauthorized: {
    status: 403,
    error: { code: 9109, message: 'Unauthorized to access requested resource' },
  },
  authentication: { status: 403, error: { code: 10000, message: 'Authentication error' } },
  rateLimited: {
    status: 429,
    error: { code: 971, message: 'Please wait and consider throttling your request speed' },
  },
  recordMissing: { status: 404, error: { code: 81044, message: 'Record does not exist.' } },
  identicalRecord: {
    status: 400,
    error: { code: 81058, message: 'An identical record already exists.' },
  },
} satisfies Record<string, { status: number; error: CloudflareApiError }>;

/** Answers with Cloudflare's success envelope around `result`. */
export function sendResult(
  res: ServerResponse,
  result: unknown,
  resultInfo?: ResultInfo,
  status = 200,
): void {
  sendJson(res, status, {
    success: true,
    errors: [],
    messages: [],
    result,
    ...(resultInfo === undefined ? {} : { result_info: resultInfo }),
  });
}

/** Answers with Cloudflare's failure envelope holding `errors`. */
export function sendError(
  res: ServerResponse,
  status: number,
  errors: CloudflareApiError[],
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { success: false, errors, messages: [], result: null }, headers);
}

/** Answers `body` as JSON with the given status and extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** What Cloudflare's edge sends when the API behind it is down: HTML, not JSON. */
export function sendGatewayError(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
): void {
  const text = `<html><head><title>${status}</title></head><body>${status} error</body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
