import { isDeepStrictEqual } from 'node:util';
import type { NexoConfig, ProxyConfig } from '../config/types.js';

/** What a reload changes, as reported to the user in one line. */
export interface ConfigDiff {
  /** Hosts that are new in the file. */
  added: string[];
  /** Hosts whose entry changed (upstreams, policy, timeouts, redirect). */
  changed: string[];
  /** Hosts no longer in the file. */
  removed: string[];
  /** Keys that changed but only take effect after a restart (`listen.https`, ...). */
  restartRequired: string[];
}

/**
 * Settings read once at start. Listeners keep their sockets and sizes, and the storage
 * holds locks and certificates, so changing them live would drop connections or split
 * state; the rest of the file is applied and these are reported.
 */
const RESTART_KEYS: ReadonlyArray<[string, (config: NexoConfig) => unknown]> = [
  ['listen.https', (config) => config.listen.https],
  ['listen.http', (config) => config.listen.http],
  ['storage', (config) => config.storage],
  ['limits.max_header', (config) => config.limits.maxHeaderBytes],
  ['limits.header_timeout', (config) => config.limits.headerTimeoutMs],
  ['limits.idle_timeout', (config) => config.limits.idleTimeoutMs],
  // The proxy engine takes these once, when it is created.
  ['limits.max_body', (config) => config.limits.maxBodyBytes],
  ['trusted_proxies', (config) => config.trustedProxies],
];

/** Compares two validated configs host by host, and lists restart-only changes. */
export function diffConfig(previous: NexoConfig, next: NexoConfig): ConfigDiff {
  const before = byHost(previous.proxies);
  const after = byHost(next.proxies);

  const added: string[] = [];
  const changed: string[] = [];
  for (const [host, entry] of after) {
    const old = before.get(host);
    if (old === undefined) added.push(host);
    else if (!sameEntry(old, entry)) changed.push(host);
  }
  const removed = [...before.keys()].filter((host) => !after.has(host));

  const restartRequired = RESTART_KEYS.filter(
    ([, read]) => !isDeepStrictEqual(read(previous), read(next)),
  ).map(([key]) => key);

  return { added, changed, removed, restartRequired };
}

function byHost(proxies: readonly ProxyConfig[]): Map<string, ProxyConfig> {
  return new Map(proxies.map((entry) => [entry.host, entry]));
}

/** Entries are the same when everything but their place in the file is the same. */
export function sameEntry(a: ProxyConfig, b: ProxyConfig): boolean {
  const { position: _a, ...restA } = a;
  const { position: _b, ...restB } = b;
  return isDeepStrictEqual(restA, restB);
}
