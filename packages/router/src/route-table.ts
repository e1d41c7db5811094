import { isWildcardName, normalizeHost } from './normalize-host.js';
import { RouterError } from './router-error.js';

/**
 * An immutable host → value map. Built once from the configuration and replaced whole
 * on reload, so a request always sees one consistent version.
 */
export interface RouteTable<T> {
  /** Number of patterns in the table. */
  readonly size: number;

  /**
   * Finds the value for a raw Host header, `:authority` or SNI name: normalises it,
   * then tries the exact host, then the one-label wildcard (`*.example.com` matches
   * `a.example.com`, not `example.com` nor `a.b.example.com`). `undefined` when the
   * host is malformed or unrouted.
   */
  match(rawHost: string): T | undefined;

  /**
   * Same as {@link RouteTable.match} for a host already passed through `normalizeHost`.
   * A wildcard pattern itself (`*.example.com`) finds its own value.
   */
  matchNormalized(host: string): T | undefined;

  /** The normalised patterns, in insertion order (for certificate planning, listings). */
  patterns(): string[];
}

/**
 * Builds a {@link RouteTable}. Patterns are host names or one-label wildcards; they are
 * normalised like request hosts (case, trailing dot, IDN). A malformed or duplicate
 * pattern throws a {@link RouterError} naming it.
 */
export function createRouteTable<T>(
  entries: Iterable<readonly [pattern: string, value: T]>,
): RouteTable<T> {
  const exact = new Map<string, T>();
  const wildcards = new Map<number, WildcardRoute<T>[]>();
  const patterns: string[] = [];
  const seen = new Set<string>();

  for (const [pattern, value] of entries) {
    const host = normalizePattern(pattern);
    if (seen.has(host)) {
      throw new RouterError(
        'duplicate_route',
        pattern,
        `host ${pattern} is routed twice (as ${host}); keep one entry for it`,
      );
    }

    seen.add(host);
    patterns.push(host);
    if (isWildcardName(host)) addWildcard(wildcards, host.slice(2), value);
    else exact.set(host, value);
  }

  return new StaticRouteTable(exact, wildcards, patterns);
}

interface WildcardRoute<T> {
  readonly suffix: string;
  readonly value: T;
}

function normalizePattern(pattern: string): string {
  const host = normalizeHost(pattern, { allowWildcard: true });
  if (host === undefined || host.startsWith('[')) {
    throw new RouterError(
      'invalid_host_pattern',
      pattern,
      `host ${JSON.stringify(pattern)} is not a valid host name or *.wildcard; ` +
        'use a DNS name such as app.example.com or *.example.com',
    );
  }
  return host;
}

function addWildcard<T>(
  wildcards: Map<number, WildcardRoute<T>[]>,
  suffix: string,
  value: T,
): void {
  const sameLength = wildcards.get(suffix.length);
  if (sameLength === undefined) wildcards.set(suffix.length, [{ suffix, value }]);
  else sameLength.push({ suffix, value });
}

class StaticRouteTable<T> implements RouteTable<T> {
  readonly #exact: ReadonlyMap<string, T>;
  // Keyed by suffix length so a lookup compares in place instead of slicing the host.
  readonly #wildcards: ReadonlyMap<number, readonly WildcardRoute<T>[]>;
  readonly #patterns: readonly string[];

  constructor(
    exact: Map<string, T>,
    wildcards: Map<number, WildcardRoute<T>[]>,
    patterns: string[],
  ) {
    this.#exact = exact;
    this.#wildcards = wildcards;
    this.#patterns = Object.freeze(patterns);
    Object.freeze(this);
  }

  get size(): number {
    return this.#patterns.length;
  }

  match(rawHost: string): T | undefined {
    const host = normalizeHost(rawHost);
    return host === undefined ? undefined : this.matchNormalized(host);
  }

  matchNormalized(host: string): T | undefined {
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;

    const dot = host.indexOf('.');
    if (dot <= 0) return undefined;

    const candidates = this.#wildcards.get(host.length - dot - 1);
    if (candidates === undefined) return undefined;

    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      if (host.endsWith(candidate.suffix)) return candidate.value;
    }
    return undefined;
  }

  patterns(): string[] {
    return [...this.#patterns];
  }
}
