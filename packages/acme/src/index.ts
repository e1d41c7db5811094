export type { AccountData, AccountStore } from './account-store.js';
export { createMemoryAccountStore } from './account-store.js';
export type { AcmeClient, AcmeClientOptions } from './acme-client.js';
export { createAcmeClient } from './acme-client.js';
export type { KeyType } from './certificate-key.js';
export { KEY_TYPES } from './certificate-key.js';
export { CLOUDFLARE_API_URL } from './cloudflare/cloudflare-api.js';
export type { CloudflareDnsProviderOptions } from './cloudflare/cloudflare-provider.js';
export { CloudflareDnsProvider } from './cloudflare/cloudflare-provider.js';
export { LETS_ENCRYPT_PRODUCTION_URL, LETS_ENCRYPT_STAGING_URL } from './directories.js';
export type { DnsProvider, DnsProviderCallOptions, DnsRecord } from './dns-provider.js';
export type { Dns01SolverOptions } from './dns01-solver.js';
export { createDns01Solver } from './dns01-solver.js';
export type { AcmeProblem } from './errors.js';
export {
  AcmeChallengeError,
  AcmeConnectionError,
  AcmeProblemError,
  DnsPropagationError,
  DnsProviderError,
  NexoAcmeError,
} from './errors.js';
export type { Logger } from './logger.js';
export { normalizeCertificateNames } from './names.js';
export type { ObtainCertificateRequest, ObtainedCertificate } from './obtain-certificate.js';
export type { OperationOptions } from './operation-options.js';
export type { ExpectedTxt, PropagationOptions } from './propagation.js';
export { waitForTxtRecords } from './propagation.js';
export type { RenewalInfo } from './renewal-info.js';
export { renewalCertId } from './renewal-info.js';
export type { RetryOptions } from './retry.js';
export type { ChallengeSolver, Dns01Challenge, Presented } from './solver.js';
