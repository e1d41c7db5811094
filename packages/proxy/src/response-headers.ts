import type { ServerResponse } from 'node:http';
import { connectionTokens, HeaderKind, headerKind, isListed } from './header-names.js';
import type { Target } from './proxy-target.js';
import type { ProxyResponse } from './types.js';

/**
 * Turns undici's raw response headers into the flat list `writeHead` takes, without
 * hop-by-hop headers (also those named in `Connection`: the HTTP/2 side would reject
 * them), and applies the target's cache policy: a `Cache-Control` is added only when
 * the upstream sent none, and a shared-cacheable one never to a response with
 * `Set-Cookie` or to a request that carried `Authorization`. A 204 loses its
 * Content-Length, which it must not carry.
 */
export function responseHeaders(
  status: number,
  raw: readonly (Buffer | string)[],
  target: Target,
  requestHadAuthorization: boolean,
): string[] {
  const out: string[] = [];
  let tokens: string[] | undefined;
  let hasCacheControl = false;
  let hasSetCookie = false;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const value = raw[i + 1]!.toString('latin1');
    switch (headerKind(name)) {
      case HeaderKind.Connection:
        tokens = connectionTokens(value, tokens);
        continue;
      case HeaderKind.HopByHop:
      case HeaderKind.TransferEncoding:
      case HeaderKind.Upgrade:
        continue;
      case HeaderKind.ContentLength:
        // Forbidden on a 204 (RFC 9110 §8.6); HTTP/2 clients reject the stream over it.
        if (status === 204) continue;
        break;
      case HeaderKind.CacheControl:
        hasCacheControl = true;
        break;
      case HeaderKind.SetCookie:
        hasSetCookie = true;
        break;
    }
    out.push(name, value);
  }

  const filtered = tokens === undefined ? out : withoutListed(out, tokens);
  const policy = target.cacheControl;
  if (policy !== undefined && !hasCacheControl) {
    const forbidden = target.cacheShared && (hasSetCookie || requestHadAuthorization);
    if (!forbidden) filtered.push('cache-control', policy);
  }
  return filtered;
}

function withoutListed(headers: string[], tokens: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!isListed(headers[i]!, tokens)) kept.push(headers[i]!, headers[i + 1]!);
  }
  return kept;
}

/**
 * `writeHead` with a flat `[name, value, …]` list, which node:http and the HTTP/2
 * compatibility response both accept (the http2 typings only declare objects).
 */
export function writeHead(res: ProxyResponse, status: number, headers: string[]): void {
  (res as ServerResponse).writeHead(status, headers);
}
