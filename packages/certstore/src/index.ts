export type { AccountRecord } from './account-store.js';
export { AccountStore } from './account-store.js';
export type {
  CacheableCertificate,
  CachedCertificate,
  CertificateCacheOptions,
} from './certificate-cache.js';
export { CertificateCache } from './certificate-cache.js';
export type { CertificateInfo } from './certificate-info.js';
export { keyTypeOf, parseCertificateChain, parsePrivateKey } from './certificate-info.js';
export type {
  CertificateMeta,
  CertificateMetaPatch,
  CertificateRecord,
  RenewalWindow,
} from './certificate-record.js';
export type {
  CertificateInput,
  CertificateStoreOptions,
  LoadAllResult,
  LoadFailure,
  StoredCertificate,
} from './certificate-store.js';
export { CertificateStore } from './certificate-store.js';
export type { CertificateErrorCode, StorageErrorCode } from './errors.js';
export { CertificateError, CertstoreError, StorageError } from './errors.js';
export type { FileStorageOptions } from './file-storage.js';
export { FileStorage } from './file-storage.js';
export * as storageKeys from './keys.js';
export type { LegacyCertificate, LegacyFailure, LegacyImportResult, LegacyScan } from './legacy.js';
export { findLegacyCertificates, importLegacyCertificates } from './legacy.js';
export type { Logger } from './logger.js';
export { certificateCovers, wildcardFor } from './name-match.js';
export type { RenewalInput, RenewalPlan } from './renewal.js';
export { planCertificateRenewal, planRenewal } from './renewal.js';
export type {
  Lock,
  Locker,
  LockOptions,
  OperationOptions,
  Storage,
  StorageChange,
  StorageStat,
  StorageWatcher,
  StoreOptions,
} from './storage.js';
export { assertStorageKey, isValidStorageKey } from './storage-key.js';
