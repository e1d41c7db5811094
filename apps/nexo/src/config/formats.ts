import { isIP } from 'node:net';
import { normalizeHost } from '@nexo/router';
import { parseDuration, parseSize } from './parse-units.js';

/**
 * A string format used by the JSON Schema (`format: "duration"` and so on): how to check
 * a value and what to tell the user when it is wrong. Ajv runs `validate`; the message
 * is built from the offending value so it can suggest the fix.
 */
export interface ValueFormat {
  readonly validate: (value: string) => boolean;
  readonly describe: (value: unknown) => string;
}

const got = (value: unknown): string => `(got ${JSON.stringify(value)})`;

/**
 * Like {@link got} for URLs, with everything before the last `@` after the scheme hidden:
 * a Redis or API URL may carry a password, and problems reach terminals and logs.
 */
const gotUrl = (value: unknown): string =>
  got(typeof value === 'string' ? value.replace(/^([a-z][\w+.-]*:\/\/)?.*@/is, '$1***@') : value);

/**
 * 24 days: every duration ends up in a timer, and Node.js runs a timer longer than
 * 2^31 - 1 ms (24.8 days) after 1 ms instead, which would turn a wait into a busy loop.
 */
const MAX_DURATION_MS = 24 * 86_400_000;

/** The string formats the schema names: each one's check, and its message for a bad value. */
export const FORMATS: Readonly<Record<string, ValueFormat>> = {
  duration: {
    validate: (value) => (parseDuration(value) ?? Number.POSITIVE_INFINITY) <= MAX_DURATION_MS,
    describe: describeDuration,
  },
  size: {
    validate: (value) => parseSize(value) !== undefined,
    describe: (value) => `must be a size such as 512KB, 10MB or 1GB ${got(value)}`,
  },
  'upstream-url': {
    validate: (value) => upstreamProblem(value) === undefined,
    describe: describeUpstream,
  },
  'http-url': {
    validate: (value) => parseHttpUrl(value) !== undefined,
    describe: (value) => `must be an http(s) URL such as https://host/path ${gotUrl(value)}`,
  },
  'redirect-target': {
    validate: (value) => redirectTarget(value) !== undefined,
    describe: (value) =>
      `must be a URL or a host with an optional path, such as example.com/docs ${got(value)}`,
  },
  'wildcard-host': {
    validate: (value) =>
      value.startsWith('*.') && normalizeHost(value, { allowWildcard: true }) !== undefined,
    describe: (value) => `must be a one-label wildcard name such as "*.example.com" ${got(value)}`,
  },
  'listen-address': {
    validate: (value) => parseListenAddress(value) !== undefined,
    describe: (value) =>
      `must be ":port" or "host:port", such as ":443" or "127.0.0.1:8443" ${got(value)}`,
  },
  'resolver-address': {
    validate: (value) => parseResolver(value) !== undefined,
    describe: (value) =>
      'must be an IP address with an optional port, such as "127.0.0.1:53" or "[::1]:53" ' +
      got(value),
  },
  cidr: {
    validate: (value) => parseCidr(value) !== undefined,
    describe: (value) =>
      `must be an IP address or a CIDR range such as "10.0.0.0/8" or "::1/128" ${got(value)}`,
  },
  email: {
    validate: (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value),
    describe: (value) => `must be an email address ${got(value)}`,
  },
  'redis-url': {
    validate: (value) => /^rediss?:$/.test(safeUrl(value)?.protocol ?? ''),
    describe: (value) =>
      `must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379 ${gotUrl(value)}`,
  },
};

function describeDuration(value: unknown): string {
  if (typeof value === 'string' && parseDuration(value) !== undefined) {
    return `must be at most 24d, the longest wait a timer allows ${got(value)}`;
  }
  return `must be a duration with a unit, such as 30s, 5m, 1h30m or 0s ${got(value)}`;
}

/**
 * What is wrong with an upstream URL beyond being an http(s) URL, if anything: the proxy
 * forwards each request's own path, so an upstream is an origin only.
 */
function upstreamProblem(value: string): string | undefined {
  if (parseHttpUrl(value) === undefined) return 'not an http(s) URL';

  const url = new URL(value);
  if (url.pathname !== '/') {
    return `must not have a path: requests are forwarded with their own path; use "${url.origin}"`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not hold a user or password; the proxy does not send credentials upstream';
  }
  if (url.port === '0') return 'must name a real port, not 0';
  return undefined;
}

function describeUpstream(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  const problem = upstreamProblem(text);
  if (problem !== undefined && problem !== 'not an http(s) URL') {
    return `${problem} ${gotUrl(value)}`;
  }
  const schemeless = text !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (schemeless && parseHttpUrl(`http://${text}`) !== undefined) {
    return `must be an http(s) URL; did you mean "http://${text}"?`;
  }
  return `must be an http(s) URL such as http://127.0.0.1:3000 ${gotUrl(value)}`;
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * An absolute http(s) URL with a host and no query or fragment, as text without a
 * trailing slash when the path is `/`: `http://127.0.0.1:3000`.
 */
export function parseHttpUrl(value: string): string | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  const url = safeUrl(value);
  if (url === undefined || url.hostname === '' || url.search !== '' || url.hash !== '') {
    return undefined;
  }
  return url.pathname === '/' ? url.origin : `${url.origin}${url.pathname}`;
}

/** The original nexo's redirect form: `github.com/me` means `https://github.com/me`. */
export function redirectTarget(value: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(value) ? value : `https://${value}`;
  if (!/^https?:\/\//i.test(withScheme)) return undefined;
  const url = safeUrl(withScheme);
  if (url === undefined || url.hostname === '') return undefined;
  return url.href;
}

/** A parsed `listen.*` address. */
export interface ParsedAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/** `:443`, `0.0.0.0:443`, `[::]:8443`, `localhost:80`. */
export function parseListenAddress(value: string): ParsedAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (match === null) return undefined;

  const port = Number(match[3]);
  if (port > 65_535) return undefined;

  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined) return isIP(host) === 6 ? { host, port } : undefined;
  if (host === '') return { host: undefined, port };
  return normalizeHost(host) === undefined ? undefined : { host, port };
}

/** `1.1.1.1`, `1.1.1.1:53`, `[::1]:5353`, normalised to `ip:port` / `[ip6]:port`. */
export function parseResolver(value: string): string | undefined {
  const text = value.trim();
  if (isIP(text) === 4) return `${text}:53`;
  if (isIP(text) === 6) return `[${text}]:53`;

  const address = parseListenAddress(text);
  if (address?.host === undefined || isIP(address.host) === 0 || address.port === 0) {
    return undefined;
  }
  const host = isIP(address.host) === 6 ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** `10.0.0.0/8`, `::1/128`; a bare address gets its full-length prefix. */
export function parseCidr(value: string): string | undefined {
  const [address = '', prefix, extra] = value.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return undefined;

  const maxBits = family === 4 ? 32 : 128;
  if (prefix === undefined) return `${address}/${maxBits}`;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > maxBits) return undefined;
  return `${address}/${Number(prefix)}`;
}
