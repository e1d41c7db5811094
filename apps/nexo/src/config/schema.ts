import type { KeyType } from '@nexo/acme';
import type { LoadBalancing } from '@nexo/proxy';
import { DEFAULTS } from './defaults.js';

/** A JSON Schema node: plain data, handed to Ajv and written to the published file. */
type Schema = Record<string, unknown>;

/** Every policy @nexo/proxy has, no other: the typecheck fails when the two drift apart. */
const LOAD_BALANCING: Readonly<Record<LoadBalancing, true>> = {
  round_robin: true,
  least_conn: true,
};

/**
 * Every key type @nexo/acme issues, no other, checked by the typecheck the same way. A type
 * import only: loading @nexo/acme here would put the ACME stack on every start's path.
 */
const KEY_TYPES: Readonly<Record<KeyType, true>> = {
  ec256: true,
  ec384: true,
  rsa2048: true,
  rsa4096: true,
};

const SCHEMA_ID = 'https://nexo.invalid/schema/config.schema.json';

function text(description: string, extra: Schema = {}): Schema {
  return { type: 'string', minLength: 1, description, ...extra };
}

function duration(description: string, defaultValue: string): Schema {
  return { type: 'string', format: 'duration', description, default: defaultValue };
}

function size(description: string, defaultValue: string): Schema {
  return {
    type: ['string', 'integer'],
    format: 'size',
    minimum: 1,
    description,
    default: defaultValue,
  };
}

function section(description: string, properties: Record<string, Schema>): Schema {
  return { type: 'object', description, additionalProperties: false, properties };
}

function unsupported(what: string): Schema {
  return {
    deprecated: true,
    description: `The original nexo's ${what}. Nexo does not support it; it is ignored.`,
  };
}

function secretFile(of: string): Schema {
  return text(`File whose content (trailing newline removed) is used as ${of}.`);
}

const timeouts = {
  write_timeout: duration(
    'Longest time a response may take to send; 0s means no limit (long streams).',
    DEFAULTS.writeTimeout,
  ),
  response_header_timeout: duration(
    "How long to wait for the upstream's response headers; 0s means no limit.",
    DEFAULTS.responseHeaderTimeout,
  ),
};

const upstreamUrl = { type: 'string', format: 'upstream-url' };

const proxy: Schema = {
  type: 'object',
  description: 'What one host does: forward to upstreams, or redirect.',
  additionalProperties: false,
  properties: {
    upstream: {
      type: ['string', 'array'],
      format: 'upstream-url',
      items: upstreamUrl,
      minItems: 1,
      description: 'Upstream URL (http://host:port), or a list of them.',
    },
    upstreams: {
      type: 'array',
      items: upstreamUrl,
      minItems: 1,
      description: 'Upstream URLs; requests are spread by load_balancing.',
    },
    load_balancing: {
      enum: Object.keys(LOAD_BALANCING),
      default: DEFAULTS.loadBalancing,
      description: 'How requests are spread over several upstreams.',
    },
    redirect: {
      type: ['string', 'object'],
      format: 'redirect-target',
      description: 'Redirect every request: a URL (https:// added when missing) or an object.',
      additionalProperties: false,
      required: ['to'],
      properties: {
        to: { type: 'string', format: 'redirect-target', description: 'Target URL.' },
        status: { enum: [301, 302, 303, 307, 308], default: DEFAULTS.redirectStatus },
        preserve_path: {
          type: 'boolean',
          default: false,
          description: 'Append the request path and query to the target.',
        },
      },
    },
    ...timeouts,
    cache: unsupported('per-proxy response caching'),
    retry: unsupported('per-proxy retry'),
    auth: unsupported('per-proxy GitHub OAuth'),
    portal: unsupported('dashboard card'),
  },
};

/**
 * The JSON Schema of Nexo's config file: the one source for validation (Ajv) and for the
 * published `schema/config.schema.json` that editors use (a test keeps the two equal).
 *
 * `format` names the checks in formats.ts. Keys marked `deprecated` are accepted with a
 * warning: the original nexo had them, Nexo ignores them (or, for `listen_addr` and
 * `log_level`, maps them to the new key).
 */
export const CONFIG_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: SCHEMA_ID,
  title: 'Nexo configuration',
  description: 'HTTPS reverse proxy with ACME certificates via Cloudflare DNS-01.',
  type: 'object',
  additionalProperties: false,
  required: ['cloudflare'],
  properties: {
    $schema: { type: 'string', description: 'Schema URL for editors; ignored by Nexo.' },
    base_dir: text('Directory for Nexo state (ACME account, renewal state).', {
      default: DEFAULTS.baseDir,
    }),
    cert_dir: text('Directory for certificates (<name>.crt / <name>.key).', {
      default: `<base_dir>/${DEFAULTS.certDirName}`,
    }),
    email: { type: 'string', format: 'email', description: 'ACME account contact.' },
    staging: {
      type: 'boolean',
      default: false,
      description: "Use Let's Encrypt staging when acme.directory is not set.",
    },
    cloudflare: section('Cloudflare API access for DNS-01 challenges.', {
      api_token: text('API token with Zone:Read and DNS:Edit.'),
      api_token_file: secretFile('the API token'),
      api_url: {
        type: 'string',
        format: 'http-url',
        default: DEFAULTS.cloudflareApiUrl,
        description: 'Cloudflare API base URL.',
      },
      zone_id: text('Zone ID; skips the zone lookup.'),
    }),
    wildcards: {
      type: 'array',
      items: { type: 'string', format: 'wildcard-host' },
      description: 'Wildcard certificates (*.example.com) that cover hosts under them.',
    },
    proxies: {
      type: 'object',
      description: 'Hosts and what each does, keyed by host name (may be *.example.com).',
      additionalProperties: proxy,
    },
    ...timeouts,
    listen: section('Listening addresses (changing them needs a restart).', {
      https: {
        type: 'string',
        format: 'listen-address',
        default: DEFAULTS.listenHttps,
        description: 'HTTPS address.',
      },
      http: {
        type: 'string',
        format: 'listen-address',
        description: 'Plain HTTP address that redirects to https; off when absent.',
      },
    }),
    acme: section('ACME certificate authority.', {
      directory: {
        type: 'string',
        format: 'http-url',
        default: DEFAULTS.acmeDirectory,
        description: 'ACME directory URL.',
      },
      ca_file: text('Extra PEM CA certificate to trust for the directory.'),
      key_type: {
        enum: Object.keys(KEY_TYPES),
        default: DEFAULTS.keyType,
        description: 'Certificate key algorithm.',
      },
      eab: {
        ...section('External account binding (ZeroSSL, Google, ...).', {
          kid: text('Key ID.'),
          hmac_key: text('HMAC key, base64url.'),
          hmac_key_file: secretFile('the HMAC key'),
        }),
        required: ['kid'],
      },
    }),
    dns: section('DNS propagation checks.', {
      resolvers: {
        type: 'array',
        items: { type: 'string', format: 'resolver-address' },
        description: 'Resolvers (ip:port) asked for the challenge record; default: system.',
      },
      propagation_timeout: duration(
        'Give up waiting for the record after.',
        DEFAULTS.propagationTimeout,
      ),
      propagation_interval: duration('Delay between checks.', DEFAULTS.propagationInterval),
    }),
    limits: section('Request limits.', {
      max_body: size('Largest request body; larger gets 413.', DEFAULTS.maxBody),
      max_header: size('Largest request header block.', DEFAULTS.maxHeader),
      header_timeout: duration('Time allowed to receive request headers.', DEFAULTS.headerTimeout),
      idle_timeout: duration('Idle keep-alive connections close after.', DEFAULTS.idleTimeout),
    }),
    trusted_proxies: {
      type: 'array',
      items: { type: 'string', format: 'cidr' },
      description: 'CIDR ranges whose X-Forwarded-For is believed (a CDN, a load balancer).',
    },
    log: section('Logging.', {
      level: {
        enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
        default: DEFAULTS.logLevel,
      },
      format: {
        enum: ['json', 'pretty'],
        description: 'Default: pretty on a terminal, json otherwise.',
      },
    }),
    storage: section('Where certificates and state live (changing it needs a restart).', {
      type: { enum: ['file', 'redis'], default: DEFAULTS.storageType },
      url: { type: 'string', format: 'redis-url', description: 'Redis URL (type: redis).' },
      prefix: text('Key prefix (type: redis).', { default: DEFAULTS.redisPrefix }),
      password: text('Redis password (type: redis).'),
      password_file: secretFile('the Redis password'),
      tls: section('TLS for rediss:// URLs.', { ca_file: text('Extra PEM CA to trust.') }),
      encryption_key: text('Encrypts private keys at rest (type: redis).'),
      encryption_key_file: secretFile('the encryption key'),
    }),
    renewal: section('Certificate maintenance.', {
      check_interval: duration(
        'How often every certificate is checked.',
        DEFAULTS.renewalCheckInterval,
      ),
      concurrency: {
        type: 'integer',
        minimum: 1,
        maximum: 16,
        default: DEFAULTS.renewalConcurrency,
        description: 'Certificates obtained or renewed at once.',
      },
      backoff_initial: duration('First retry delay after a failure.', DEFAULTS.backoffInitial),
      backoff_max: duration('Longest retry delay.', DEFAULTS.backoffMax),
    }),
    shutdown: section('Graceful shutdown.', {
      deadline: duration('In-flight requests get this long on SIGTERM.', DEFAULTS.shutdownDeadline),
    }),
    listen_addr: {
      type: 'string',
      format: 'listen-address',
      deprecated: true,
      description: 'Original nexo key; use listen.https.',
    },
    log_level: {
      enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      deprecated: true,
      description: 'Original nexo key; use log.level.',
    },
    admin_addr: unsupported('web UI address'),
    webui: unsupported('web UI'),
    auth: unsupported('GitHub OAuth'),
    security: unsupported('login rate limit and IP blocklist'),
  },
};

/** Old keys that still work, and their new names (warned about, then applied). */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  listen_addr: 'listen.https',
  log_level: 'log.level',
};
