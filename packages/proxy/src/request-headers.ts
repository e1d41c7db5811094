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
 * Reads `req`'s raw headers and builds the upstream's: hop-by-hop headers and those
 * named in `Connection` removed, HTTP/2 pseudo-headers dropped (`:authority` becomes
 * Host), X-Forwarded-* set. Client X-Forwarded-*, Forwarded and X-Real-IP values are
 * kept only from a trusted peer; the client IP is then the right-most untrusted address.
 * Returns false, with `facts.host` the first Host, for a request that must get a 400:
 * one with more than one Host header (RFC 9112 §3.2), which node:http reduces to the
 * first while the raw list still carries every one.
 */
export function readRequestHeaders(
  facts: RequestFacts,
  req: ProxyRequest,
  trusted: TrustedProxies,
): boolean {
  const raw = req.rawHeaders;
  const h2 = req.httpVersionMajor === 2;
  const seen = scanHeaders(facts, raw);
  if (seen.repeatedHost) {
    facts.host = seen.host ?? '';
    return false;
  }

  const peer = plainAddress(req.socket?.remoteAddress);
  const peerTrusted = trusted.has(peer);
  const out = copyEndToEndHeaders(raw, seen.tokens, peerTrusted);
  facts.host = seen.authority !== '' ? seen.authority : (seen.host ?? '');
  facts.hostIndex = out.length + 1;
  out.push('host', facts.host);

  const proto = h2 ? (req as { scheme?: string }).scheme || 'https' : socketProto(req);
  if (peerTrusted) {
    const chain = seen.forwardedFor;
    out.push('x-forwarded-for', chain === undefined ? peer : `${chain}, ${peer}`);
    out.push('x-forwarded-proto', seen.forwardedProto ?? proto);
    out.push('x-forwarded-host', seen.forwardedHost ?? facts.host);
    facts.clientIp = chain === undefined ? peer : rightmostUntrusted(chain, trusted);
  } else {
    out.push('x-forwarded-for', peer, 'x-forwarded-proto', proto, 'x-forwarded-host', facts.host);
    facts.clientIp = peer;
  }
  facts.headers = out;

  facts.hasBody = h2
    ? !(req as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders
    : seen.chunked || facts.contentLength > 0;
  return true;
}

/** Header values the builder needs but the upstream request does not carry as they are. */
class HeaderScan {
  tokens: string[] | undefined;
  host: string | undefined;
  repeatedHost = false;
  authority = '';
  chunked = false;
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
  forwardedHost: string | undefined;

  reset(): this {
    this.tokens = undefined;
    this.host = undefined;
    this.repeatedHost = false;
    this.authority = '';
    this.chunked = false;
    this.forwardedFor = undefined;
    this.forwardedProto = undefined;
    this.forwardedHost = undefined;
    return this;
  }
}

// Reused by every call: a scan is synchronous and finishes before the next one starts,
// so one scratch object spares an allocation per request.
const scratch = new HeaderScan();

function scanHeaders(facts: RequestFacts, raw: readonly string[]): HeaderScan {
  const seen = scratch.reset();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      if (name === ':authority') seen.authority = value;
      continue;
    }

    switch (headerKind(name)) {
      case HeaderKind.Connection:
        seen.tokens = connectionTokens(value, seen.tokens);
        break;
      case HeaderKind.Host:
        if (seen.host === undefined) seen.host = value;
        else seen.repeatedHost = true;
        break;
      case HeaderKind.ContentLength:
        facts.contentLength = parseLength(value);
        break;
      case HeaderKind.TransferEncoding:
        seen.chunked = true;
        break;
      case HeaderKind.Upgrade:
        facts.upgrade = value;
        break;
      case HeaderKind.Authorization:
        facts.hasAuthorization = true;
        break;
      case HeaderKind.XForwardedFor:
        seen.forwardedFor =
          seen.forwardedFor === undefined ? value : `${seen.forwardedFor}, ${value}`;
        break;
      case HeaderKind.XForwardedProto:
        seen.forwardedProto ??= value;
        break;
      case HeaderKind.XForwardedHost:
        seen.forwardedHost ??= value;
        break;
    }
  }
  return seen;
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
