export type {
  Lock,
  Locker,
  LockOptions,
  OperationOptions,
  Storage,
  StorageStat,
  StoreOptions,
} from './storage.js';
