import { describe, expect, it } from 'vitest';
import { connectionTokens, equalsLower, HeaderKind, headerKind } from '../src/header-names.js';
import { plainAddress, TrustedProxies } from '../src/trusted-proxies.js';

describe('header names', () => {
  const kinds: Array<[string, HeaderKind]> = [
    ['Connection', HeaderKind.Connection],
    ['KEEP-ALIVE', HeaderKind.HopByHop],
    ['Proxy-Authorization', HeaderKind.HopByHop],
    ['te', HeaderKind.HopByHop],
    ['Transfer-Encoding', HeaderKind.TransferEncoding],
    ['X-Forwarded-For', HeaderKind.XForwardedFor],
    ['x-real-ip', HeaderKind.ForwardedClaim],
    ['Forwarded', HeaderKind.ForwardedClaim],
    ['Set-Cookie', HeaderKind.SetCookie],
    ['Content-Type', HeaderKind.Other],
    ['Hostx', HeaderKind.Other],
    ['t_', HeaderKind.Other],
  ];

  it.each(kinds)('%s is kind %i', (name, kind) => {
    expect(headerKind(name)).toBe(kind);
  });

  it('compares ignoring ASCII case only', () => {
    expect(equalsLower('X-Custom_Hop', 'x-custom_hop')).toBe(true);
    expect(equalsLower('x-custom\u007fhop', 'x-custom_hop')).toBe(false);
    expect(equalsLower('HOST', 'host')).toBe(true);
    expect(equalsLower('hos', 'host')).toBe(false);
  });

  const tokens: Array<[string, string[] | undefined]> = [
    ['keep-alive', undefined],
    ['close', undefined],
    ['Upgrade', undefined],
    ['keep-alive, X-Hop', ['x-hop']],
    [' X-One ,x-two,, close ', ['x-one', 'x-two']],
  ];

  it.each(tokens)('Connection: %j names %j', (value, expected) => {
    expect(connectionTokens(value, undefined)).toEqual(expected);
  });
});

describe('trusted proxies', () => {
  const trusted = new TrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '2001:db8::1']);
  const cases: Array<[string, boolean]> = [
    ['10.200.3.4', true],
    ['11.0.0.1', false],
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['fd12::5', true],
    ['2001:db8::1', true],
    ['2001:db8::2', false],
    ['not-an-ip', false],
    ['', false],
  ];

  it.each(cases)('%s trusted: %s', (address, expected) => {
    expect(trusted.has(address)).toBe(expected);
  });

  it('reads IPv4-mapped IPv6 socket addresses as IPv4', () => {
    expect(plainAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('::1')).toBe('::1');
    expect(trusted.has(plainAddress('::ffff:10.1.1.1'))).toBe(true);
  });
});
