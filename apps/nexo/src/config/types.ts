import type { KeyType } from '@nexo/acme';
import type { LoadBalancing } from '@nexo/proxy';

/**
 * The normalised, frozen configuration every part of Nexo reads.
 *
 * Produced only by `loadConfig` (src/config/load-config.ts): every value here has been
 * validated, defaulted and converted to machine units — durations in milliseconds, sizes in
 * bytes, hosts through `normalizeHost`, upstreams as absolute http(s) URLs, relative paths
 * resolved against the config file's directory. The object is deeply frozen; a reload builds
 * a whole new one and swaps it in, so long-running loops must read the current snapshot on
 * every tick rather than cache pieces of it.
 */
export interface NexoConfig {
  /** Where this config came from; `path` is absolute. */
  readonly source: ConfigSource;

  readonly listen: ListenConfig;
  readonly acme: AcmeConfig;
  readonly cloudflare: CloudflareConfig;
  readonly dns: DnsConfig;
  readonly storage: StorageConfig;
  readonly renewal: RenewalConfig;
  readonly limits: LimitsConfig;
  readonly log: LogConfig;
  readonly shutdown: ShutdownConfig;

  /**
   * CIDR ranges (`10.0.0.0/8`, `::1/128`; a bare IP becomes /32 or /128) whose
   * X-Forwarded-For entries are believed. Empty: the socket peer is the client.
   */
  readonly trustedProxies: readonly string[];

  /** Normalised wildcard names such as `*.example.com`, in file order, no duplicates. */
  readonly wildcards: readonly string[];

  /** One entry per `proxies.<host>` key, in file order; hosts are unique. */
  readonly proxies: readonly ProxyConfig[];
}

/** The file a config was read from, to tell versions apart on reload. */
export interface ConfigSource {
  /** Absolute path of the YAML file. */
  readonly path: string;
  /** sha256 (hex) of the file's bytes as read, before `${NAME}` substitution. */
  readonly sha256: string;
}

/** A listening address: `:443`, `127.0.0.1:8443`, `[::1]:443`. */
export interface ListenAddress {
  /** Interface to bind; `undefined` means every interface. IPv6 without brackets. */
  readonly host: string | undefined;
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
  /** The address as written, for logs and messages. */
  readonly text: string;
}

/** `listen`: where Nexo accepts connections. */
export interface ListenConfig {
  /** `listen.https`, default `:443`. */
  readonly https: ListenAddress;
  /**
   * `listen.http`, off by default. When set, configured hosts are redirected to https and
   * anything else gets an error that never echoes the unknown Host.
   */
  readonly http: ListenAddress | undefined;
}

// Certificate key algorithm (`acme.key_type`): exactly the types @nexo/acme issues.
export type { KeyType };

/** `acme` (plus the original top-level `email` and `staging`): the CA and the keys. */
export interface AcmeConfig {
  /**
   * `acme.directory`; default Let's Encrypt production, or Let's Encrypt staging when
   * `staging: true` and no directory is given.
   */
  readonly directoryUrl: string;
  /** `acme.ca_file`: absolute path of an extra PEM CA to trust for the directory. */
  readonly caFile: string | undefined;
  /** `acme.key_type`, default `ec256`. */
  readonly keyType: KeyType;
  /** `acme.eab.kid` / `acme.eab.hmac_key` (base64url), both or neither. */
  readonly eab: ExternalAccountBinding | undefined;
  /** Top-level `email` (original key): ACME account contact, optional. */
  readonly email: string | undefined;
  /** Top-level `staging` (original key). */
  readonly staging: boolean;
}

/** `acme.eab`: the CA-issued key id and HMAC key (secret) binding the ACME account. */
export interface ExternalAccountBinding {
  readonly kid: string;
  readonly hmacKey: string;
}

/** `cloudflare`: API access for the DNS-01 challenge records. */
export interface CloudflareConfig {
  /** `cloudflare.api_token` or the content of `cloudflare.api_token_file`. Never log it. */
  readonly apiToken: string;
  /** `cloudflare.api_url`, default `https://api.cloudflare.com/client/v4` (no trailing /). */
  readonly apiUrl: string;
  /** `cloudflare.zone_id`: skip the zone lookup when set. */
  readonly zoneId: string | undefined;
}

/** `dns`: how to check that challenge records are visible before the CA looks. */
export interface DnsConfig {
  /**
   * `dns.resolvers`: `host:port` (IPv6 as `[::1]:53`) used for the propagation check,
   * normalised to that form. Empty means the system resolvers.
   */
  readonly resolvers: readonly string[];
  /** `dns.propagation_timeout`, default 2m. */
  readonly propagationTimeoutMs: number;
  /** `dns.propagation_interval`: delay between propagation checks, default 2s. */
  readonly propagationIntervalMs: number;
}

/** `storage`: where certificates, keys, the ACME account and renewal state live. */
export type StorageConfig = FileStorageConfig | RedisStorageConfig;

/** The default storage: files under `cert_dir`, shared by the processes of one host. */
export interface FileStorageConfig {
  readonly type: 'file';
  /** `base_dir` (original key), default `~/.nexo`; absolute. */
  readonly baseDir: string;
  /** `cert_dir` (original key), default `<base_dir>/certs`; absolute. */
  readonly certDir: string;
}

/**
 * `storage: { type: redis, ... }` for several instances sharing one store (issue 8).
 * `baseDir` / `certDir` are still resolved: local files (none needed today) go there.
 */
export interface RedisStorageConfig {
  readonly type: 'redis';
  /** `storage.url`: `redis://` or `rediss://` (TLS). */
  readonly url: string;
  /** `storage.prefix`, default `nexo`: every key is `<prefix>:...`. */
  readonly prefix: string;
  /** `storage.password` / `storage.password_file`; overrides one in the URL. */
  readonly password: string | undefined;
  /** `storage.tls.ca_file`: extra CA for `rediss://`. */
  readonly tlsCaFile: string | undefined;
  /**
   * `storage.encryption_key` / `storage.encryption_key_file`: when set, private keys are
   * encrypted at rest with it. Never log it.
   */
  readonly encryptionKey: string | undefined;
  readonly baseDir: string;
  readonly certDir: string;
}

/** `renewal`: how maintenance paces checks, issuance and retries. */
export interface RenewalConfig {
  /** `renewal.check_interval`, default 24h: how often maintenance looks at every cert. */
  readonly checkIntervalMs: number;
  /** `renewal.concurrency`, default 2: certificates obtained or renewed at once. */
  readonly concurrency: number;
  /** `renewal.backoff_initial`, default 1h: first retry delay after a failure. */
  readonly backoffInitialMs: number;
  /** `renewal.backoff_max`, default 24h: the retry delay never grows beyond this. */
  readonly backoffMaxMs: number;
}

/** `limits`: bounds on each request and connection. */
export interface LimitsConfig {
  /** `limits.max_body`, default 10MB; a larger request body gets 413. */
  readonly maxBodyBytes: number;
  /** `limits.max_header`, default 1MB. */
  readonly maxHeaderBytes: number;
  /** `limits.header_timeout`, default 30s: time allowed to receive request headers. */
  readonly headerTimeoutMs: number;
  /** `limits.idle_timeout`, default 2m: idle keep-alive connections are closed after. */
  readonly idleTimeoutMs: number;
}

/** `log.level`: pino's levels, `silent` turning logging off. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** `log`: how much to log, and in which form. */
export interface LogConfig {
  /** `log.level` (or the original `log_level`), default `info`. */
  readonly level: LogLevel;
  /** `log.format`; default `pretty` when stdout is a terminal, else `json`. */
  readonly format: 'json' | 'pretty';
}

/** `shutdown`: graceful stop on SIGTERM/SIGINT. */
export interface ShutdownConfig {
  /** `shutdown.deadline`, default 10s: in-flight requests get this long on SIGTERM. */
  readonly deadlineMs: number;
}

/** `proxies.<host>.load_balancing`, default `round_robin`. */
export type LoadBalancingPolicy = LoadBalancing;

/** `proxies.<host>.redirect`: a string (original form) or an object. */
export interface RedirectConfig {
  /** Absolute URL; `https://` is added when the file gives no scheme (original). */
  readonly to: string;
  /** 301, 302, 303, 307 or 308; default 307 (original). */
  readonly status: 301 | 302 | 303 | 307 | 308;
  /** Append the request path and query to `to`; default false (original dropped them). */
  readonly preservePath: boolean;
}

interface ProxyConfigBase {
  /** Normalised host; may be a one-label wildcard (`*.example.com`). */
  readonly host: string;
  /** Where the entry is in the file (`config.yaml:12:3`), for logs. */
  readonly position: string;
}

/** A `proxies.<host>` entry forwarding requests to one or more upstreams. */
export interface UpstreamProxyConfig extends ProxyConfigBase {
  readonly kind: 'upstream';
  /**
   * `upstream` (string or list) or `upstreams` (list): absolute http(s) URLs without a
   * trailing slash when the path is `/` (`http://127.0.0.1:3000`). At least one.
   */
  readonly upstreams: readonly string[];
  readonly loadBalancing: LoadBalancingPolicy;
  /**
   * `write_timeout` (per proxy, else global): the longest a response may take to send.
   * 0 means no limit (the default, so long streams and downloads work).
   */
  readonly writeTimeoutMs: number;
  /**
   * `response_header_timeout` (per proxy, else global), default 30s: how long to wait for
   * the upstream's response headers. 0 means no limit.
   */
  readonly responseHeaderTimeoutMs: number;
}

/** A `proxies.<host>` entry answering every request with a redirect. */
export interface RedirectProxyConfig extends ProxyConfigBase {
  readonly kind: 'redirect';
  readonly redirect: RedirectConfig;
}

/** One `proxies.<host>` entry; `kind` tells the two apart. */
export type ProxyConfig = UpstreamProxyConfig | RedirectProxyConfig;
