/**
 * Header names the proxy treats specially, recognised case-insensitively without
 * lowercasing (no allocation per header).
 */
export const HeaderKind = {
  Other: 0,
  /** Removed in both directions (RFC 9110 §7.6.1 plus common legacy names). */
  HopByHop: 1,
  Connection: 2,
  Host: 3,
  ContentLength: 4,
  TransferEncoding: 5,
  Expect: 6,
  XForwardedFor: 7,
  XForwardedProto: 8,
  XForwardedHost: 9,
  CacheControl: 10,
  SetCookie: 11,
  Authorization: 12,
  Upgrade: 13,
  /** `Forwarded` and `X-Real-IP`: client-address claims believed only from trusted peers. */
  ForwardedClaim: 14,
} as const;

/** One of the {@link HeaderKind} values. */
export type HeaderKind = (typeof HeaderKind)[keyof typeof HeaderKind];

/** Classifies a header name as written on the wire (any case). */
export function headerKind(name: string): HeaderKind {
  switch (name.length) {
    case 2:
      return equalsLower(name, 'te') ? HeaderKind.HopByHop : HeaderKind.Other;
    case 4:
      return equalsLower(name, 'host') ? HeaderKind.Host : HeaderKind.Other;
    case 6:
      return equalsLower(name, 'expect') ? HeaderKind.Expect : HeaderKind.Other;
    case 7:
      if (equalsLower(name, 'upgrade')) return HeaderKind.Upgrade;
      return equalsLower(name, 'trailer') ? HeaderKind.HopByHop : HeaderKind.Other;
    case 9:
      if (equalsLower(name, 'forwarded')) return HeaderKind.ForwardedClaim;
      return equalsLower(name, 'x-real-ip') ? HeaderKind.ForwardedClaim : HeaderKind.Other;
    case 10:
      if (equalsLower(name, 'connection')) return HeaderKind.Connection;
      if (equalsLower(name, 'keep-alive')) return HeaderKind.HopByHop;
      return equalsLower(name, 'set-cookie') ? HeaderKind.SetCookie : HeaderKind.Other;
    case 13:
      if (equalsLower(name, 'authorization')) return HeaderKind.Authorization;
      return equalsLower(name, 'cache-control') ? HeaderKind.CacheControl : HeaderKind.Other;
    case 14:
      if (equalsLower(name, 'content-length')) return HeaderKind.ContentLength;
      return equalsLower(name, 'http2-settings') ? HeaderKind.HopByHop : HeaderKind.Other;
    case 15:
      return equalsLower(name, 'x-forwarded-for') ? HeaderKind.XForwardedFor : HeaderKind.Other;
    case 16:
      if (equalsLower(name, 'x-forwarded-host')) return HeaderKind.XForwardedHost;
      return equalsLower(name, 'proxy-connection') ? HeaderKind.HopByHop : HeaderKind.Other;
    case 17:
      if (equalsLower(name, 'transfer-encoding')) return HeaderKind.TransferEncoding;
      return equalsLower(name, 'x-forwarded-proto') ? HeaderKind.XForwardedProto : HeaderKind.Other;
    case 18:
      return equalsLower(name, 'proxy-authenticate') ? HeaderKind.HopByHop : HeaderKind.Other;
    case 19:
      return equalsLower(name, 'proxy-authorization') ? HeaderKind.HopByHop : HeaderKind.Other;
    default:
      return HeaderKind.Other;
  }
}

/**
 * True when `name` equals the lowercase `lower` ignoring ASCII case.
 */
export function equalsLower(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const code = name.charCodeAt(i);
    const expected = lower.charCodeAt(i);
    if (code === expected) continue;
    if (code < 0x41 || code > 0x5a || code + 0x20 !== expected) return false;
  }
  return true;
}

/**
 * The extra header names listed in a `Connection` value (lowercased), ignoring
 * `close`, `keep-alive` and `upgrade`; `undefined` when there are none (the usual case).
 */
export function connectionTokens(
  value: string,
  previous: string[] | undefined,
): string[] | undefined {
  let tokens = previous;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i < value.length && value.charCodeAt(i) !== 0x2c) continue;

    const token = value.slice(start, i).trim().toLowerCase();
    start = i + 1;
    if (token === '' || token === 'close' || token === 'keep-alive' || token === 'upgrade') {
      continue;
    }
    tokens ??= [];
    tokens.push(token);
  }
  return tokens;
}

/** True when `name` is one of the lowercased `tokens`. */
export function isListed(name: string, tokens: readonly string[]): boolean {
  for (const token of tokens) {
    if (equalsLower(name, token)) return true;
  }
  return false;
}
