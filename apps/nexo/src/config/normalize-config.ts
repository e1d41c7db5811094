import { join } from 'node:path';
import { DEFAULTS } from './defaults.js';
import { parseCidr, parseListenAddress, parseResolver } from './formats.js';
import {
  bool,
  durationMs,
  int,
  type NormalizeContext,
  type Raw,
  section,
  sizeBytes,
  str,
  strings,
} from './normalize-context.js';
import { normalizeProxies, normalizeWildcards } from './normalize-proxies.js';
import type {
  AcmeConfig,
  CloudflareConfig,
  ConfigSource,
  KeyType,
  ListenAddress,
  ListenConfig,
  LogConfig,
  LogLevel,
  NexoConfig,
  StorageConfig,
} from './types.js';

/** Inputs of {@link normalizeConfig} besides the parsed file. */
export interface NormalizeOptions {
  readonly source: ConfigSource;
  /** Decides the default log format: pretty on a terminal, json otherwise. */
  readonly stdoutIsTTY: boolean;
}

/**
 * Turns the parsed file into a {@link NexoConfig}: defaults applied, units converted,
 * paths resolved, secrets read from their files, cross-key rules checked. Values of the
 * wrong type (already reported by the schema) read as absent. Problems go to `ctx`.
 */
export function normalizeConfig(
  root: Raw,
  ctx: NormalizeContext,
  options: NormalizeOptions,
): NexoConfig {
  const proxyDefaults = {
    writeTimeout: str(root, 'write_timeout') ?? DEFAULTS.writeTimeout,
    responseHeaderTimeout: str(root, 'response_header_timeout') ?? DEFAULTS.responseHeaderTimeout,
  };

  return {
    source: options.source,
    listen: listenConfig(root, ctx),
    acme: acmeConfig(root, ctx),
    cloudflare: cloudflareConfig(root, ctx),
    dns: dnsConfig(root),
    storage: storageConfig(root, ctx),
    renewal: renewalConfig(root, ctx),
    limits: limitsConfig(root, ctx),
    log: logConfig(root, options.stdoutIsTTY),
    shutdown: {
      deadlineMs: durationMs(section(root, 'shutdown'), 'deadline', DEFAULTS.shutdownDeadline),
    },
    trustedProxies: strings(root, 'trusted_proxies').flatMap((item) => parseCidr(item) ?? []),
    wildcards: normalizeWildcards(root, ctx),
    proxies: normalizeProxies(root, ctx, proxyDefaults),
  };
}

function listenConfig(root: Raw, ctx: NormalizeContext): ListenConfig {
  const raw = section(root, 'listen');
  if (str(raw, 'https') !== undefined && str(root, 'listen_addr') !== undefined) {
    ctx.error(['listen_addr'], 'set either listen_addr or listen.https, not both', true);
  }

  const https = address(str(raw, 'https') ?? str(root, 'listen_addr') ?? DEFAULTS.listenHttps);
  const httpText = str(raw, 'http');
  const http = httpText === undefined ? undefined : address(httpText);

  if (https !== undefined && http !== undefined && sameAddress(https, http)) {
    ctx.error(['listen', 'http'], `is the same address as listen.https (${https.text})`);
  }
  return { https: https ?? address(DEFAULTS.listenHttps)!, http };
}

function address(text: string): ListenAddress | undefined {
  const parsed = parseListenAddress(text);
  return parsed === undefined ? undefined : { ...parsed, text };
}

function sameAddress(a: ListenAddress, b: ListenAddress): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  return a.host === undefined || b.host === undefined || a.host === b.host;
}

function acmeConfig(root: Raw, ctx: NormalizeContext): AcmeConfig {
  const raw = section(root, 'acme');
  const staging = bool(root, 'staging') ?? false;
  const directory = str(raw, 'directory');

  if (staging && directory !== undefined) {
    ctx.warning(['staging'], 'is ignored because acme.directory is set', true);
  }

  const eabRaw = section(raw, 'eab');
  const kid = str(eabRaw, 'kid');
  const hmacKey = ctx.secret(eabRaw, ['acme', 'eab'], 'hmac_key');
  if (kid !== undefined && hmacKey === undefined && str(eabRaw, 'hmac_key_file') === undefined) {
    ctx.error(['acme', 'eab', 'hmac_key'], 'is required with acme.eab.kid (or hmac_key_file)');
  }

  const caFile = str(raw, 'ca_file');
  const fallback = staging ? DEFAULTS.acmeStagingDirectory : DEFAULTS.acmeDirectory;
  return {
    directoryUrl: directory ?? fallback,
    caFile: caFile === undefined ? undefined : ctx.resolvePath(caFile),
    keyType: (str(raw, 'key_type') ?? DEFAULTS.keyType) as KeyType,
    eab: kid !== undefined && hmacKey !== undefined ? { kid, hmacKey } : undefined,
    email: str(root, 'email'),
    staging,
  };
}

function cloudflareConfig(root: Raw, ctx: NormalizeContext): CloudflareConfig {
  const raw = section(root, 'cloudflare');
  const apiToken = ctx.secret(raw, ['cloudflare'], 'api_token');
  const hasToken = str(raw, 'api_token') !== undefined || str(raw, 'api_token_file') !== undefined;

  // Only for a `cloudflare:` mapping: a missing or mistyped section is the schema's report.
  const given = root.cloudflare;
  const isMapping = typeof given === 'object' && given !== null && !Array.isArray(given);
  const mistyped = raw.api_token !== undefined || raw.api_token_file !== undefined;
  if (isMapping && !hasToken && !mistyped) {
    ctx.error(['cloudflare', 'api_token'], 'is required (or api_token_file)');
  }

  const apiUrl = (str(raw, 'api_url') ?? DEFAULTS.cloudflareApiUrl).replace(/\/+$/, '');
  return { apiToken: apiToken ?? '', apiUrl, zoneId: str(raw, 'zone_id') };
}

function dnsConfig(root: Raw): NexoConfig['dns'] {
  const raw = section(root, 'dns');
  return {
    resolvers: strings(raw, 'resolvers').flatMap((item) => parseResolver(item) ?? []),
    propagationTimeoutMs: durationMs(raw, 'propagation_timeout', DEFAULTS.propagationTimeout),
    propagationIntervalMs: durationMs(raw, 'propagation_interval', DEFAULTS.propagationInterval),
  };
}

const REDIS_ONLY_KEYS = [
  'url',
  'prefix',
  'password',
  'password_file',
  'tls',
  'encryption_key',
  'encryption_key_file',
];

function storageConfig(root: Raw, ctx: NormalizeContext): StorageConfig {
  const raw = section(root, 'storage');
  const baseDir = ctx.resolvePath(str(root, 'base_dir') ?? DEFAULTS.baseDir);
  const certDirText = str(root, 'cert_dir');
  const certDir =
    certDirText === undefined ? join(baseDir, DEFAULTS.certDirName) : ctx.resolvePath(certDirText);

  if (str(raw, 'type') !== 'redis') {
    for (const key of REDIS_ONLY_KEYS.filter((name) => raw[name] !== undefined)) {
      ctx.error(['storage', key], 'only applies with storage.type: redis', true);
    }
    return { type: 'file', baseDir, certDir };
  }

  const url = str(raw, 'url');
  if (url === undefined && raw.url === undefined) {
    ctx.error(['storage', 'url'], 'is required with storage.type: redis');
  }
  const caFile = str(section(raw, 'tls'), 'ca_file');
  return {
    type: 'redis',
    url: url ?? '',
    prefix: str(raw, 'prefix') ?? DEFAULTS.redisPrefix,
    password: ctx.secret(raw, ['storage'], 'password'),
    tlsCaFile: caFile === undefined ? undefined : ctx.resolvePath(caFile),
    encryptionKey: ctx.secret(raw, ['storage'], 'encryption_key'),
    baseDir,
    certDir,
  };
}

function renewalConfig(root: Raw, ctx: NormalizeContext): NexoConfig['renewal'] {
  const raw = section(root, 'renewal');
  const backoffInitialMs = durationMs(raw, 'backoff_initial', DEFAULTS.backoffInitial);
  const backoffMaxMs = durationMs(raw, 'backoff_max', DEFAULTS.backoffMax);
  const checkIntervalMs = durationMs(raw, 'check_interval', DEFAULTS.renewalCheckInterval);

  if (backoffInitialMs > backoffMaxMs) {
    ctx.error(['renewal', 'backoff_initial'], 'must not be longer than renewal.backoff_max');
  }
  if (checkIntervalMs === 0) ctx.error(['renewal', 'check_interval'], 'must be longer than 0s');

  return {
    checkIntervalMs,
    concurrency: int(raw, 'concurrency') ?? DEFAULTS.renewalConcurrency,
    backoffInitialMs,
    backoffMaxMs,
  };
}

/** HTTP/2 announces the header limit in a 32-bit setting; Node throws on a larger one. */
const MAX_HEADER_BYTES = 2 ** 32 - 1;

function limitsConfig(root: Raw, ctx: NormalizeContext): NexoConfig['limits'] {
  const raw = section(root, 'limits');
  const maxBodyBytes = sizeBytes(raw, 'max_body', DEFAULTS.maxBody);
  const maxHeaderBytes = sizeBytes(raw, 'max_header', DEFAULTS.maxHeader);

  if (!Number.isSafeInteger(maxBodyBytes)) {
    ctx.error(['limits', 'max_body'], 'is too large to count exactly; use at most 1000000GB');
  }
  if (maxHeaderBytes > MAX_HEADER_BYTES) {
    ctx.error(['limits', 'max_header'], 'must be less than 4GB, the most HTTP/2 can announce');
  }

  return {
    maxBodyBytes,
    maxHeaderBytes,
    headerTimeoutMs: durationMs(raw, 'header_timeout', DEFAULTS.headerTimeout),
    idleTimeoutMs: durationMs(raw, 'idle_timeout', DEFAULTS.idleTimeout),
  };
}

function logConfig(root: Raw, stdoutIsTTY: boolean): LogConfig {
  const raw = section(root, 'log');
  const level = str(raw, 'level') ?? str(root, 'log_level') ?? DEFAULTS.logLevel;
  const format = str(raw, 'format') ?? (stdoutIsTTY ? 'pretty' : 'json');
  return { level: level as LogLevel, format: format as LogConfig['format'] };
}
