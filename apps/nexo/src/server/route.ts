import type { ProxyTarget } from '@nexo/proxy';
import type { Redirect, RouteTable } from '@nexo/router';
import type { NexoConfig, ProxyConfig } from '../config/types.js';

/** A host that is proxied to its upstreams. */
export interface UpstreamRoute {
  readonly kind: 'upstream';
  readonly entry: ProxyConfig;
  readonly target: ProxyTarget;
}

/** A host that answers with a redirect. */
export interface RedirectRoute {
  readonly kind: 'redirect';
  readonly entry: ProxyConfig;
  readonly redirect: Redirect;
}

export type Route = UpstreamRoute | RedirectRoute;

/**
 * Everything a request reads, swapped whole on reload: a request takes the snapshot
 * once, so it finishes on the route it started on even when a reload lands meanwhile.
 */
export interface RoutingSnapshot {
  readonly config: NexoConfig;
  readonly table: RouteTable<Route>;
}
