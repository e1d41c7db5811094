import { runStorageConformance } from '@nexo/certstore/conformance';
import { afterAll, beforeAll } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { fastOptions } from './helpers.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server.dispose());

runStorageConformance({
  name: 'RedisStorage',
  create: async () => {
    const storage = new RedisStorage({ url: server.url, ...fastOptions });
    const withoutRefresh = new RedisStorage({
      url: server.url,
      ...fastOptions,
      autoRefresh: false,
    });
    return {
      storage,
      locker: storage,
      lockerWithoutRefresh: withoutRefresh,
      cleanup: async () => {
        await storage.close();
        await withoutRefresh.close();
      },
    };
  },
});
