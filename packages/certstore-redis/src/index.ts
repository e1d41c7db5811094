export type { RedisStorageOptions } from './redis-storage.js';
export { RedisStorage } from './redis-storage.js';
