import type { TLSSocket } from 'node:tls';
import { connectionTokens, HeaderKind, headerKind, isListed } from './header-names.js';
import { plainAddress, type TrustedProxies } from './trusted-proxies.js';
import type { ProxyRequest } from './types.js';

/** What the proxy learns from a request's headers; filled in place, no result object. */
export interface RequestFacts {
  /** Headers for the upstream, flat `[name, value, …]` as undici takes them. */
  headers: string[];
  /** Index in `headers` of the Host value, rewritten per upstream when asked. */
  hostIndex: number;
  host: string;
  clientIp: string;
  /** Declared body length, -1 when unknown (chunked, HTTP/2 without one). */
  contentLength: number;
  hasBody: boolean;
  hasAuthorization: boolean;
  /** The `Upgrade` value, '' when absent. */
  upgrade: string;
}

/**
 * Reads `req`'s raw headers once and builds the upstream's: hop-by-hop headers and
 * those named in `Connection` removed, HTTP/2 pseudo-headers dropped (`:authority`
 * becomes Host), X-Forwarded-* set. Client X-Forwarded-*, Forwarded and X-Real-IP
 * values are kept only from a trusted peer; the client IP is then the right-most
 * untrusted address.
 */
export function readRequestHeaders(
  facts: RequestFacts,
  req: ProxyRequest,
  trusted: TrustedProxies,
): void {
  const raw = req.rawHeaders;
  const h2 = req.httpVersionMajor === 2;
  let tokens: string[] | undefined;
  let host = '';
  let authority = '';
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  let chunked = false;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      if (name === ':authority') authority = value;
      continue;
    }

    switch (headerKind(name)) {
      case HeaderKind.Connection:
        tokens = connectionTokens(value, tokens);
        break;
      case HeaderKind.Host:
        host = value;
        break;
      case HeaderKind.ContentLength:
        facts.contentLength = parseLength(value);
        break;
      case HeaderKind.TransferEncoding:
        chunked = true;
        break;
      case HeaderKind.Upgrade:
        facts.upgrade = value;
        break;
      case HeaderKind.Authorization:
        facts.hasAuthorization = true;
        break;
      case HeaderKind.XForwardedFor:
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        break;
      case HeaderKind.XForwardedProto:
        forwardedProto ??= value;
        break;
      case HeaderKind.XForwardedHost:
        forwardedHost ??= value;
        break;
    }
  }

  const peer = plainAddress(req.socket?.remoteAddress);
  const peerTrusted = trusted.has(peer);
  const out = copyEndToEndHeaders(raw, tokens, peerTrusted);
  facts.host = authority !== '' ? authority : host;
  facts.hostIndex = out.length + 1;
  out.push('host', facts.host);

  facts.hasBody = h2
    ? !(req as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders
    : chunked || facts.contentLength > 0;

  const proto = h2 ? (req as { scheme?: string }).scheme || 'https' : socketProto(req);
  if (peerTrusted) {
    out.push('x-forwarded-for', forwardedFor === undefined ? peer : `${forwardedFor}, ${peer}`);
    out.push('x-forwarded-proto', forwardedProto ?? proto);
    out.push('x-forwarded-host', forwardedHost ?? facts.host);
    facts.clientIp = forwardedFor === undefined ? peer : rightmostUntrusted(forwardedFor, trusted);
  } else {
    out.push('x-forwarded-for', peer, 'x-forwarded-proto', proto, 'x-forwarded-host', facts.host);
    facts.clientIp = peer;
  }
  facts.headers = out;
}

function copyEndToEndHeaders(
  raw: readonly string[],
  tokens: string[] | undefined,
  peerTrusted: boolean,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 0x3a) continue;

    const kind = headerKind(name);
    if (!KEPT_ON_REQUEST[kind] && !(peerTrusted && kind === HeaderKind.ForwardedClaim)) continue;
    if (tokens !== undefined && isListed(name, tokens)) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

// Indexed by HeaderKind: the kinds copied to the upstream as they are. Host and
// X-Forwarded-* are rewritten; Forwarded and X-Real-IP pass only from trusted peers;
// Expect is answered by the proxy; the rest are hop-by-hop.
const KEPT_ON_REQUEST: readonly boolean[] = (() => {
  const kept: boolean[] = [];
  kept[HeaderKind.Other] = true;
  kept[HeaderKind.ContentLength] = true;
  kept[HeaderKind.CacheControl] = true;
  kept[HeaderKind.SetCookie] = true;
  kept[HeaderKind.Authorization] = true;
  for (const kind of Object.values(HeaderKind)) kept[kind] ??= false;
  return kept;
})();

function socketProto(req: ProxyRequest): string {
  return (req.socket as TLSSocket | undefined)?.encrypted === true ? 'https' : 'http';
}

function parseLength(value: string): number {
  const length = Number(value);
  return Number.isSafeInteger(length) && length >= 0 ? length : -1;
}

function rightmostUntrusted(chain: string, trusted: TrustedProxies): string {
  let end = chain.length;
  let leftmost = '';
  for (let i = chain.length - 1; i >= -1; i--) {
    if (i >= 0 && chain.charCodeAt(i) !== 0x2c) continue;

    const address = chain.slice(i + 1, end).trim();
    end = i;
    if (address === '') continue;
    if (!trusted.has(plainAddress(address))) return address;
    leftmost = address;
  }
  return leftmost;
}
