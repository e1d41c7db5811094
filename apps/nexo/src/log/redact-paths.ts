/**
 * Fields pino replaces with `[redacted]` wherever Nexo logs them: credentials from the
 * config (Cloudflare token, EAB key, Redis password, encryption key), private keys, and
 * request or response headers that carry credentials. A leading `*` matches one level.
 */
export const REDACT_PATHS: readonly string[] = [
  'apiToken',
  '*.apiToken',
  'token',
  '*.token',
  'hmacKey',
  '*.hmacKey',
  'password',
  '*.password',
  'encryptionKey',
  '*.encryptionKey',
  'privateKey',
  '*.privateKey',
  'privateKeyPem',
  '*.privateKeyPem',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["proxy-authorization"]',
];
