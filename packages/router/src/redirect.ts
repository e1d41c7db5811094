import { normalizeHost } from './normalize-host.js';
import { RouterError } from './router-error.js';

/** Status codes a redirect route may answer with. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/** The extended config form of a redirect route. */
export interface RedirectSpec {
  /** Target URL; `https://` is assumed when no scheme is written. */
  to: string;
  /** Defaults to 307, as in the original nexo. */
  status?: number;
  /** Append the request's path and query to the target. Defaults to false. */
  preserve_path?: boolean;
}

/** A validated, frozen redirect route. */
export interface Redirect {
  /** Absolute http(s) URL the redirect points at. */
  readonly to: string;
  readonly status: RedirectStatus;
  readonly preservePath: boolean;
  /**
   * `Cache-Control` for the redirect response: a permanent redirect may be cached
   * for an hour (so a config change is picked up), a temporary one never.
   */
  readonly cacheControl: string;
}

const STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const DEFAULT_STATUS: RedirectStatus = 307;

/**
 * Validates a redirect route from the config. The short form is the original nexo's
 * (`redirect: github.com/you` → `https://github.com/you`, 307, path and query dropped);
 * the object form chooses the status and whether to keep the request's path and query.
 * `host` names the route in errors.
 */
export function parseRedirect(value: string | RedirectSpec, host = 'redirect'): Redirect {
  const spec = typeof value === 'string' ? { to: value } : value;
  if (typeof spec !== 'object' || spec === null || typeof spec.to !== 'string') {
    throw invalid(host, 'needs a target: redirect: example.com/path or { to: ... }');
  }

  const status = spec.status ?? DEFAULT_STATUS;
  if (!STATUSES.has(status)) {
    throw invalid(host, `has status ${String(status)}; use one of 301, 302, 303, 307, 308`);
  }

  const preservePath = spec.preserve_path === true;
  const url = parseTarget(spec.to, host);
  if (preservePath && (url.search !== '' || url.hash !== '')) {
    throw invalid(host, 'keeps the request path, so its target cannot have a query or #');
  }

  const to = preservePath ? url.href.replace(/\/$/, '') : url.href;
  const permanent = status === 301 || status === 308;
  return Object.freeze({
    to,
    status: status as RedirectStatus,
    preservePath,
    cacheControl: permanent ? 'public, max-age=3600' : 'no-store',
  });
}

/**
 * The `Location` for a request. `requestPathAndQuery` is the request target as received
 * (`req.url`); only its path and query are used, and only when the route keeps them.
 */
export function redirectLocation(redirect: Redirect, requestPathAndQuery: string): string {
  if (!redirect.preservePath) return redirect.to;

  // Only origin-form targets are appended; anything else (absolute-form, `*`) would let
  // the request pick the destination, so it collapses to the root.
  if (requestPathAndQuery.charCodeAt(0) !== 0x2f) return `${redirect.to}/`;
  return redirect.to + requestPathAndQuery;
}

function parseTarget(target: string, host: string): URL {
  const trimmed = target.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw invalid(host, `target ${JSON.stringify(target)} is not a URL`, cause);
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(host, `target ${JSON.stringify(target)} must be an http(s) URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(host, `target ${JSON.stringify(target)} must not contain credentials`);
  }
  if (normalizeHost(url.host) === undefined) {
    throw invalid(host, `target ${JSON.stringify(target)} has an invalid host`);
  }
  return url;
}

function invalid(host: string, detail: string, cause?: unknown): RouterError {
  const message = `redirect for ${host} ${detail}`;
  return new RouterError('invalid_redirect', host, message, cause === undefined ? {} : { cause });
}
