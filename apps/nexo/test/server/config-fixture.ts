import type {
  NexoConfig,
  RedirectProxyConfig,
  UpstreamProxyConfig,
} from '../../src/config/types.js';

/** A complete config as `loadConfig` would produce it, for tests that start parts directly. */
export function makeConfig(overrides: Partial<NexoConfig> & { certDir: string }): NexoConfig {
  const { certDir, ...rest } = overrides;
  return {
    source: { path: `${certDir}/config.yaml`, sha256: '0'.repeat(64) },
    listen: { https: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' }, http: undefined },
    acme: {
      directoryUrl: 'https://127.0.0.1:1/dir',
      caFile: undefined,
      keyType: 'ec256',
      eab: undefined,
      email: undefined,
      staging: false,
    },
    cloudflare: {
      apiToken: 'test-token',
      apiUrl: 'http://127.0.0.1:1/client/v4',
      zoneId: undefined,
    },
    dns: { resolvers: [], propagationTimeoutMs: 5000, propagationIntervalMs: 100 },
    storage: { type: 'file', baseDir: certDir, certDir },
    renewal: {
      checkIntervalMs: 60_000,
      concurrency: 2,
      backoffInitialMs: 1000,
      backoffMaxMs: 5000,
    },
    limits: {
      maxBodyBytes: 10 * 1024 * 1024,
      maxHeaderBytes: 1024 * 1024,
      headerTimeoutMs: 30_000,
      idleTimeoutMs: 600_000,
    },
    log: { level: 'silent', format: 'json' },
    shutdown: { deadlineMs: 2000 },
    trustedProxies: [],
    wildcards: [],
    proxies: [],
    ...rest,
  };
}

export function upstream(host: string, url: string): UpstreamProxyConfig {
  return {
    kind: 'upstream',
    host,
    position: `config.yaml:1:1`,
    upstreams: [url],
    loadBalancing: 'round_robin',
    writeTimeoutMs: 0,
    responseHeaderTimeoutMs: 60_000,
  };
}

export function redirect(host: string, to: string): RedirectProxyConfig {
  return {
    kind: 'redirect',
    host,
    position: `config.yaml:1:1`,
    redirect: { to, status: 307, preservePath: false },
  };
}
