export type { AcmeStack, AcmeStackOptions } from './acme-stack.js';
export { DEFAULT_TEST_CLOUDFLARE_TOKEN, startAcmeStack } from './acme-stack.js';
export type { ChallTestSrv, ChallTestSrvOptions } from './challtestsrv.js';
export { startChallTestSrv } from './challtestsrv.js';
export type { CloudflareApiError } from './cloudflare-envelope.js';
export { cloudflareErrors } from './cloudflare-envelope.js';
export type {
  CloudflareFake,
  CloudflareFakeOptions,
  CloudflareTokenScope,
  FailureInjection,
  FakeDnsRecord,
  RecordedRequest,
} from './cloudflare-fake.js';
export { startCloudflareFake } from './cloudflare-fake.js';
export { findFreePort } from './free-port.js';
export type { ListenerCert } from './listener-cert.js';
export { createListenerCert } from './listener-cert.js';
export type { Pebble, PebbleOptions } from './pebble.js';
export { startPebble } from './pebble.js';
export type { ReadmeAgreement, ReadmeAgreementOptions } from './readme-agreement.js';
export { checkReadmeAgreement } from './readme-agreement.js';
export type { RedisServer, RedisServerOptions } from './redis-server.js';
export { startRedisServer } from './redis-server.js';
