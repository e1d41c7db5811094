import * as systemDns from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { DnsPropagationError } from './errors.js';
import type { Logger } from './logger.js';
import { sleep } from './retry.js';

/** How to decide that TXT records are visible before asking the CA to look. */
export interface PropagationOptions {
  /**
   * DNS servers to ask, `host` or `host:port` (IPv6 as `[::1]:53`). Default: the
   * authoritative name servers of the record's zone, found through the system resolver.
   */
  resolvers?: readonly string[];
  /** Wait before the first query. Default 0. */
  initialDelayMs?: number;
  /** Between rounds of queries. Default 2000. */
  intervalMs?: number;
  /** Give up after this long. Default 120 000. */
  timeoutMs?: number;
  /** One DNS query. Default 2000. */
  queryTimeoutMs?: number;
}

/** One name and the TXT values that must all be seen there. */
export interface ExpectedTxt {
  name: string;
  values: readonly string[];
}

const MAX_CNAME_HOPS = 8;

/**
 * Polls DNS until every expected value is seen at every name, following CNAMEs. Rejects
 * with `DNS_WRONG_VALUE` when, at the deadline, a name holds TXT values but not the
 * expected ones, else `DNS_PROPAGATION_TIMEOUT`; with the signal's reason on abort.
 */
export async function waitForTxtRecords(
  expected: readonly ExpectedTxt[],
  options: PropagationOptions,
  context: { logger: Logger; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const lookups = createLookups(options);
  let pending = [...expected];
  const lastSeen = new Map<string, { values: string[]; error?: unknown }>();

  await sleep(options.initialDelayMs ?? 0, context.signal);
  for (let round = 1; ; round++) {
    const results = await Promise.all(pending.map((entry) => lookups.txt(entry.name)));
    pending = pending.filter((entry, index) => {
      const result = results[index] ?? { values: [] };
      lastSeen.set(entry.name, result);
      return !entry.values.every((value) => result.values.includes(value));
    });

    if (pending.length === 0) {
      context.logger.debug({ rounds: round }, 'txt records visible');
      return;
    }
    if (Date.now() + (options.intervalMs ?? 2000) > deadline) break;
    context.logger.debug(
      { round, pending: pending.map((e) => e.name) },
      'txt records not visible yet',
    );
    await sleep(options.intervalMs ?? 2000, context.signal);
  }

  throw propagationFailure(pending[0] as ExpectedTxt, lastSeen, options);
}

function propagationFailure(
  entry: ExpectedTxt,
  lastSeen: Map<string, { values: string[]; error?: unknown }>,
  options: PropagationOptions,
): DnsPropagationError {
  const seen = lastSeen.get(entry.name) ?? { values: [] };
  const where = options.resolvers?.length
    ? `resolvers ${options.resolvers.join(', ')}`
    : 'the authoritative name servers';
  const details = { recordName: entry.name, expected: entry.values, seen: seen.values };

  if (seen.values.length > 0) {
    return new DnsPropagationError(
      'DNS_WRONG_VALUE',
      `${where} answer TXT ${entry.name} with ${JSON.stringify(seen.values)}, not the ` +
        `expected ${JSON.stringify(entry.values)}: check for a stale record, a CNAME to ` +
        'another zone, or a second DNS host serving the name',
      details,
      { cause: seen.error },
    );
  }
  return new DnsPropagationError(
    'DNS_PROPAGATION_TIMEOUT',
    `TXT ${entry.name} did not appear at ${where} within ${options.timeoutMs ?? 120_000} ms` +
      `${seen.error instanceof Error ? ` (last error: ${seen.error.message})` : ''}: ` +
      'check that the DNS provider manages this zone, or raise the propagation timeout',
    details,
    { cause: seen.error },
  );
}

interface Lookups {
  txt(name: string): Promise<{ values: string[]; error?: unknown }>;
}

function createLookups(options: PropagationOptions): Lookups {
  const queryTimeoutMs = options.queryTimeoutMs ?? 2000;
  const fixed = options.resolvers?.length
    ? makeResolver([...options.resolvers], queryTimeoutMs)
    : undefined;
  const authoritative = new Map<string, Promise<Resolver>>();
  const resolverFor = (name: string) => {
    if (fixed !== undefined) return Promise.resolve(fixed);
    let pending = authoritative.get(name);
    if (pending === undefined) {
      pending = authoritativeResolver(name, queryTimeoutMs);
      authoritative.set(name, pending);
      pending.catch(() => authoritative.delete(name));
    }
    return pending;
  };

  return {
    async txt(name) {
      try {
        let current = name;
        for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
          const target = await cnameOf(await resolverFor(current), current);
          if (target === undefined) break;
          current = target;
        }
        const records = await (await resolverFor(current)).resolveTxt(current);
        return { values: records.map((chunks) => chunks.join('')) };
      } catch (error) {
        if (isNoData(error)) return { values: [] };
        return { values: [], error };
      }
    },
  };
}

async function cnameOf(resolver: Resolver, name: string): Promise<string | undefined> {
  try {
    const [target] = await resolver.resolveCname(name);
    return target?.toLowerCase().replace(/\.$/, '');
  } catch (error) {
    if (isNoData(error)) return undefined;
    throw error;
  }
}

function makeResolver(servers: string[], timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers(servers);
  return resolver;
}

/**
 * A resolver aimed at the authoritative servers of the zone holding `name`: walk up the
 * labels until the system resolver returns NS records, then resolve those hosts.
 */
async function authoritativeResolver(name: string, timeoutMs: number): Promise<Resolver> {
  const labels = name.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    let hosts: string[];
    try {
      hosts = await systemDns.resolveNs(candidate);
    } catch (error) {
      if (isNoData(error)) continue;
      throw error;
    }

    const addresses = (
      await Promise.all(hosts.map((host) => systemDns.resolve4(host).catch(() => [])))
    ).flat();
    if (addresses.length > 0) return makeResolver(addresses, timeoutMs);
  }
  throw new Error(`no authoritative name servers found for ${name}`);
}

function isNoData(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'ENODATA' || code === 'ENOTFOUND';
}
