import type { Proxy as ProxyEngine, ProxyTarget, TargetOptions } from '@nexo/proxy';
import { createRouteTable, parseRedirect } from '@nexo/router';
import type { NexoConfig, UpstreamProxyConfig } from '../config/types.js';
import { sameEntry } from './diff-config.js';
import type { Route, RoutingSnapshot } from './route.js';

export interface BuiltSnapshot {
  snapshot: RoutingSnapshot;
  /** Targets of the previous snapshot that the new one does not use: release after the swap. */
  retired: ProxyTarget[];
}

/**
 * Builds the routing snapshot for `config`. Unchanged upstream entries keep the target
 * (and the warm pools) they had in `previous`; every other entry gets a new target,
 * created before anything old is released so shared pools never drop to zero holders.
 * On failure the new targets are released and the previous snapshot is untouched.
 */
export function buildSnapshot(
  config: NexoConfig,
  proxy: ProxyEngine,
  previous: RoutingSnapshot | undefined,
): BuiltSnapshot {
  const created: ProxyTarget[] = [];
  const kept = new Set<ProxyTarget>();

  try {
    const entries = config.proxies.map((entry): [string, Route] => {
      if (entry.kind === 'redirect') {
        const { to, status, preservePath } = entry.redirect;
        const redirect = parseRedirect({ to, status, preserve_path: preservePath }, entry.host);
        return [entry.host, { kind: 'redirect', entry, redirect }];
      }

      const old = previous?.table.matchNormalized(entry.host);
      if (
        old?.kind === 'upstream' &&
        old.entry.host === entry.host &&
        sameEntry(old.entry, entry)
      ) {
        kept.add(old.target);
        return [entry.host, { kind: 'upstream', entry, target: old.target }];
      }
      const target = proxy.createTarget(targetOptions(entry));
      created.push(target);
      return [entry.host, { kind: 'upstream', entry, target }];
    });

    const snapshot = { config, table: createRouteTable(entries) };
    return { snapshot, retired: previous === undefined ? [] : retiredTargets(previous, kept) };
  } catch (error) {
    for (const target of created) target.release();
    throw error;
  }
}

function retiredTargets(previous: RoutingSnapshot, kept: ReadonlySet<ProxyTarget>): ProxyTarget[] {
  const retired: ProxyTarget[] = [];
  for (const host of previous.table.patterns()) {
    const route = previous.table.matchNormalized(host);
    if (route?.kind === 'upstream' && !kept.has(route.target)) retired.push(route.target);
  }
  return retired;
}

/** Maps a config entry to the proxy's target options. */
function targetOptions(entry: UpstreamProxyConfig): TargetOptions {
  return {
    upstreams: entry.upstreams,
    loadBalancing: entry.loadBalancing,
    upstreamHeadersMs: entry.responseHeaderTimeoutMs,
    upstreamBodyMs: entry.writeTimeoutMs,
  };
}
