import type { Logger, ProxyOptions } from './types.js';

/** Proxy options with every default filled in; frozen. */
export interface ResolvedOptions {
  readonly maxBodyBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxConnectionsPerUpstream: number;
  readonly requestMs: number;
  readonly upstreamHeadersMs: number;
  readonly upstreamBodyMs: number;
  readonly keepAliveMs: number;
  readonly upstreamConnectMs: number;
  readonly upgradeIdleMs: number;
  readonly trustedProxies: readonly string[];
  readonly logger: Logger | undefined;
  readonly onAccess: ProxyOptions['onAccess'];
}

const MB = 1024 * 1024;

/** Defaults follow the original nexo: 10 MB bodies, 1 MB headers, 30 s reads. */
export function resolveOptions(options: ProxyOptions = {}): ResolvedOptions {
  const timeouts = options.timeouts ?? {};
  return Object.freeze({
    maxBodyBytes: options.maxBodyBytes ?? 10 * MB,
    maxHeaderBytes: options.maxHeaderBytes ?? MB,
    maxConnectionsPerUpstream: options.maxConnectionsPerUpstream ?? 256,
    requestMs: timeouts.requestMs ?? 30_000,
    upstreamHeadersMs: timeouts.upstreamHeadersMs ?? 30_000,
    upstreamBodyMs: timeouts.upstreamBodyMs ?? 0,
    keepAliveMs: timeouts.keepAliveMs ?? 120_000,
    upstreamConnectMs: timeouts.upstreamConnectMs ?? 10_000,
    upgradeIdleMs: timeouts.upgradeIdleMs ?? 0,
    trustedProxies: Object.freeze([...(options.trustedProxies ?? [])]),
    logger: options.logger,
    onAccess: options.onAccess,
  });
}
