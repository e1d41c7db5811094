/** Let's Encrypt production directory, the default. */
export const LETS_ENCRYPT_PRODUCTION_URL = 'https://acme-v02.api.letsencrypt.org/directory';

/** Let's Encrypt staging directory: untrusted certificates, generous rate limits. */
export const LETS_ENCRYPT_STAGING_URL = 'https://acme-staging-v02.api.letsencrypt.org/directory';
