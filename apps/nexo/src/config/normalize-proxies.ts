import { normalizeHost } from '@nexo/router';
import { DEFAULTS } from './defaults.js';
import { parseHttpUrl, redirectTarget } from './formats.js';
import type { KeySegment } from './key-path.js';
import {
  bool,
  durationMs,
  int,
  type NormalizeContext,
  type Raw,
  section,
  str,
} from './normalize-context.js';
import type {
  LoadBalancingPolicy,
  ProxyConfig,
  RedirectConfig,
  RedirectProxyConfig,
  UpstreamProxyConfig,
} from './types.js';

/** Global values a proxy entry inherits when it does not set its own. */
export interface ProxyDefaults {
  readonly writeTimeout: string;
  readonly responseHeaderTimeout: string;
}

/** `proxies`: one entry per host, hosts normalised and unique, in file order. */
export function normalizeProxies(
  root: Raw,
  ctx: NormalizeContext,
  defaults: ProxyDefaults,
): ProxyConfig[] {
  const proxies = section(root, 'proxies');
  const seen = new Map<string, string>();
  const result: ProxyConfig[] = [];

  for (const [key, value] of Object.entries(proxies)) {
    const path = ['proxies', key];
    const host = normalizeHost(key, { allowWildcard: true });
    if (host === undefined) {
      ctx.error(path, 'is not a valid host name (write it like "app.example.com")', true);
      continue;
    }

    const first = seen.get(host);
    if (first !== undefined) {
      const other = `proxies.${JSON.stringify(first)} (${ctx.lineOf(['proxies', first])})`;
      ctx.error(path, `is the same host as ${other}`, true);
      continue;
    }
    seen.set(host, key);
    if (/(^[^:]*|\]):\d+$/.test(key.trim())) {
      ctx.warning(path, 'the port is ignored: every host is served on listen.https', true);
    }

    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const entry = proxyEntry(host, value as Raw, path, ctx, defaults);
    if (entry !== undefined) result.push(entry);
  }

  return result;
}

function proxyEntry(
  host: string,
  raw: Raw,
  path: KeySegment[],
  ctx: NormalizeContext,
  defaults: ProxyDefaults,
): ProxyConfig | undefined {
  const has = (key: string) => raw[key] !== undefined;
  const position = ctx.where(path);

  if (has('upstream') && has('upstreams')) {
    ctx.error([...path, 'upstreams'], 'set either upstream or upstreams, not both', true);
  }
  if (has('redirect') && (has('upstream') || has('upstreams'))) {
    ctx.error([...path, 'redirect'], 'set either an upstream or a redirect, not both', true);
    return undefined;
  }

  if (has('redirect')) {
    if (has('load_balancing')) {
      ctx.error([...path, 'load_balancing'], 'only applies to upstreams, not a redirect', true);
    }
    const redirect = redirectConfig(raw.redirect);
    if (redirect === undefined) return undefined;
    const entry: RedirectProxyConfig = { kind: 'redirect', host, position, redirect };
    return entry;
  }

  if (!has('upstream') && !has('upstreams')) {
    ctx.error(path, 'needs an upstream (http://host:port) or a redirect', true);
    return undefined;
  }
  return upstreamEntry(host, position, raw, path, ctx, defaults);
}

function upstreamEntry(
  host: string,
  position: string,
  raw: Raw,
  path: KeySegment[],
  ctx: NormalizeContext,
  defaults: ProxyDefaults,
): UpstreamProxyConfig | undefined {
  const upstreams = upstreamList(raw, path, ctx);
  if (upstreams.length === 0) return undefined;

  const { writeTimeout, responseHeaderTimeout } = defaults;
  return {
    kind: 'upstream',
    host,
    position,
    upstreams,
    loadBalancing: (str(raw, 'load_balancing') ?? DEFAULTS.loadBalancing) as LoadBalancingPolicy,
    writeTimeoutMs: durationMs(raw, 'write_timeout', writeTimeout),
    responseHeaderTimeoutMs: durationMs(raw, 'response_header_timeout', responseHeaderTimeout),
  };
}

function upstreamList(raw: Raw, path: KeySegment[], ctx: NormalizeContext): string[] {
  const key = raw.upstreams !== undefined ? 'upstreams' : 'upstream';
  const given = raw[key];
  const items = Array.isArray(given) ? given : [given];
  const result: string[] = [];

  items.forEach((item, index) => {
    const url = typeof item === 'string' ? parseHttpUrl(item) : undefined;
    if (url === undefined) return;
    if (result.includes(url)) {
      const itemPath = Array.isArray(given) ? [...path, key, index] : [...path, key];
      ctx.error(itemPath, `lists ${url} twice`);
      return;
    }
    result.push(url);
  });

  return result;
}

function redirectConfig(value: unknown): RedirectConfig | undefined {
  if (typeof value === 'string') {
    const to = redirectTarget(value);
    if (to === undefined) return undefined;
    return { to, status: DEFAULTS.redirectStatus, preservePath: false };
  }

  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Raw;
  const target = str(raw, 'to');
  const to = target === undefined ? undefined : redirectTarget(target);
  if (to === undefined) return undefined;

  const status = (int(raw, 'status') ?? DEFAULTS.redirectStatus) as RedirectConfig['status'];
  return { to, status, preservePath: bool(raw, 'preserve_path') ?? false };
}

/** `wildcards`: normalised `*.example.com` names, each once. */
export function normalizeWildcards(root: Raw, ctx: NormalizeContext): string[] {
  const given = root.wildcards;
  if (!Array.isArray(given)) return [];
  const result: string[] = [];

  given.forEach((item, index) => {
    if (typeof item !== 'string' || !item.startsWith('*.')) return;
    const name = normalizeHost(item, { allowWildcard: true });
    if (name === undefined) return;
    if (result.includes(name)) {
      ctx.error(['wildcards', index], `lists ${name} twice`);
      return;
    }
    result.push(name);
  });

  return result;
}
