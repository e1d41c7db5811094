/**
 * Every default value of the config file, in one place: the normaliser applies them and
 * the JSON Schema publishes them as `default` annotations for editors.
 *
 * None of them points at a network host that tests could reach by accident: tests always
 * set `acme.directory` and `cloudflare.api_url` to loopback fakes.
 */
export const DEFAULTS = Object.freeze({
  baseDir: '~/.nexo',
  certDirName: 'certs',
  listenHttps: ':443',
  acmeDirectory: 'https://acme-v02.api.letsencrypt.org/directory',
  acmeStagingDirectory: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  keyType: 'ec256',
  cloudflareApiUrl: 'https://api.cloudflare.com/client/v4',
  propagationTimeout: '2m',
  propagationInterval: '2s',
  maxBody: '10MB',
  maxHeader: '1MB',
  headerTimeout: '30s',
  idleTimeout: '2m',
  writeTimeout: '0s',
  responseHeaderTimeout: '30s',
  loadBalancing: 'round_robin',
  redirectStatus: 307,
  logLevel: 'info',
  storageType: 'file',
  redisPrefix: 'nexo',
  renewalCheckInterval: '24h',
  renewalConcurrency: 2,
  backoffInitial: '1h',
  backoffMax: '24h',
  shutdownDeadline: '10s',
} as const);
