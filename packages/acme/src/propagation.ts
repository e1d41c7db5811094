import * as systemDns from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { DnsPropagationError, NexoAcmeError } from './errors.js';
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

/** What one DNS server answered for one name. */
interface View {
  server: string;
  values: string[];
  error?: unknown;
}

/**
 * Polls DNS until every expected value is seen at every name, by every server asked
 * (each configured resolver, or each authoritative server: the CA may ask any of them),
 * following CNAMEs. Rejects with `DNS_WRONG_VALUE` when, at the deadline, a server holds
 * TXT values at a name but not the expected ones, else `DNS_PROPAGATION_TIMEOUT`; with
 * the signal's reason on abort.
 */
export async function waitForTxtRecords(
  expected: readonly ExpectedTxt[],
  options: PropagationOptions,
  context: { logger: Logger; signal?: AbortSignal },
): Promise<void> {
  const intervalMs = options.intervalMs ?? 2000;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const lookups = createLookups(options);
  let pending = [...expected];
  const lagging = new Map<string, View>();

  await sleep(options.initialDelayMs ?? 0, context.signal);
  for (let round = 1; ; round++) {
    const views = await Promise.all(pending.map((entry) => lookups.txt(entry.name)));
    pending = pending.filter((entry, index) => {
      const behind = (views[index] ?? []).find(
        (view) => !entry.values.every((value) => view.values.includes(value)),
      );
      if (behind !== undefined) lagging.set(entry.name, behind);
      return behind !== undefined;
    });

    if (pending.length === 0) {
      context.logger.debug({ rounds: round }, 'txt records visible');
      return;
    }
    if (Date.now() + intervalMs > deadline) break;
    context.logger.debug(
      { round, pending: pending.map((e) => e.name) },
      'txt records not visible yet',
    );
    await sleep(intervalMs, context.signal);
  }

  const first = pending[0] as ExpectedTxt;
  throw propagationFailure(first, lagging.get(first.name), options);
}

function propagationFailure(
  entry: ExpectedTxt,
  view: View | undefined,
  options: PropagationOptions,
): DnsPropagationError {
  const seen = view?.values ?? [];
  const where = `DNS server ${view?.server ?? '(none found)'}`;
  const details = { recordName: entry.name, expected: entry.values, seen };
  const cause = view?.error;

  if (seen.length > 0) {
    return new DnsPropagationError(
      'DNS_WRONG_VALUE',
      `${where} answers TXT ${entry.name} with ${JSON.stringify(seen)}, not the expected ` +
        `${JSON.stringify(entry.values)}: check for a stale record, a CNAME to another ` +
        'zone, or a second DNS host serving the name',
      details,
      { cause },
    );
  }
  return new DnsPropagationError(
    'DNS_PROPAGATION_TIMEOUT',
    `TXT ${entry.name} did not appear at ${where} within ${options.timeoutMs ?? 120_000} ms` +
      `${cause instanceof Error ? ` (last error: ${cause.message})` : ''}: check that the ` +
      'DNS provider manages this zone, or raise the propagation timeout',
    details,
    { cause },
  );
}

interface Lookups {
  /** One view per server asked. */
  txt(name: string): Promise<View[]>;
}

function createLookups(options: PropagationOptions): Lookups {
  const queryTimeoutMs = options.queryTimeoutMs ?? 2000;
  if (options.resolvers?.length) {
    const servers = options.resolvers.map((server) => ({
      server,
      resolver: makeResolver([server], queryTimeoutMs),
    }));
    return {
      txt: (name) =>
        Promise.all(
          servers.map(async ({ server, resolver }) =>
            viewOf(server, async () => txtAt(resolver, await followCnames(resolver, name))),
          ),
        ),
    };
  }

  const authoritative = new Map<string, Promise<Array<{ server: string; resolver: Resolver }>>>();
  const serversFor = (name: string) => {
    let pending = authoritative.get(name);
    if (pending === undefined) {
      pending = authoritativeServers(name, queryTimeoutMs);
      authoritative.set(name, pending);
      pending.catch(() => authoritative.delete(name));
    }
    return pending;
  };
  const system = new Resolver({ timeout: queryTimeoutMs, tries: 2 });

  return {
    async txt(name) {
      let target: string;
      let servers: Array<{ server: string; resolver: Resolver }>;
      try {
        // The CNAME may point into another zone: ask that zone's servers for the TXT.
        target = await followCnames(system, name);
        servers = await serversFor(target);
      } catch (error) {
        return [{ server: 'system resolver', values: [], error }];
      }
      return Promise.all(
        servers.map(({ server, resolver }) => viewOf(server, () => txtAt(resolver, target))),
      );
    },
  };
}

async function viewOf(server: string, read: () => Promise<string[]>): Promise<View> {
  try {
    return { server, values: await read() };
  } catch (error) {
    return { server, values: [], error };
  }
}

async function txtAt(resolver: Resolver, name: string): Promise<string[]> {
  try {
    const records = await resolver.resolveTxt(name);
    return records.map((chunks) => chunks.join(''));
  } catch (error) {
    if (isNoData(error)) return [];
    throw error;
  }
}

async function followCnames(resolver: Resolver, name: string): Promise<string> {
  let current = name;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    const target = await cnameOf(resolver, current);
    if (target === undefined) return current;
    current = target;
  }
  return current;
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

/** Throws `INVALID_RESOLVER` naming the first of `resolvers` that is not an IP address. */
export function checkResolvers(resolvers: readonly string[] | undefined): void {
  for (const server of resolvers ?? []) makeResolver([server], 0);
}

function makeResolver(servers: string[], timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  try {
    resolver.setServers(servers);
  } catch (cause) {
    throw new NexoAcmeError(
      'INVALID_RESOLVER',
      `propagation resolver "${servers.join(', ')}" is not an IP address with an optional ` +
        'port: use a form such as 1.1.1.1, 127.0.0.1:8053 or [::1]:53',
      { cause },
    );
  }
  return resolver;
}

/**
 * The authoritative servers of the zone holding `name`, one resolver per address: walk
 * up the labels until the system resolver returns NS records, then resolve those hosts.
 */
async function authoritativeServers(name: string, timeoutMs: number) {
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
    if (addresses.length > 0) {
      return addresses.map((server) => ({ server, resolver: makeResolver([server], timeoutMs) }));
    }
  }
  throw new Error(`no authoritative name servers found for ${name}`);
}

function isNoData(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'ENODATA' || code === 'ENOTFOUND';
}
