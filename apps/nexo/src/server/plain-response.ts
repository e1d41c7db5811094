import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

/** A response object from either the HTTP/1.1 or the HTTP/2 compatibility API. */
export type AnyServerResponse = ServerResponse | Http2ServerResponse;

/**
 * Answers with a short fixed text body, not cached unless `headers` say so. The text is always one of
 * Nexo's own constants: request data (an unknown Host above all) is never echoed back.
 */
export function sendPlain(
  res: AnyServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }

  const body = `${text}\n`;
  res.writeHead(status, {
    'cache-control': 'no-store',
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
