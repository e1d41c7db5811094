import { runStorageConformance, runWatcherConformance } from '@nexo/certstore/conformance';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, beforeAll } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { fastOptions } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server.close());

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

runWatcherConformance({
  name: 'RedisStorage',
  create: async () => {
    const storage = new RedisStorage({ url: server.url, ...fastOptions });
    const watcher = new RedisStorage({ url: server.url, ...fastOptions });
    return {
      storage,
      watcher,
      cleanup: async () => {
        await storage.close();
        await watcher.close();
      },
    };
  },
});
