import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { fastOptions, text } from './helpers.js';

/** The ACL rule the README recommends for a dedicated Nexo user, with prefix `nexo`. */
const README_ACL =
  'on >test-only-acl-password ~nexo:* &nexo:changes +@connection +info +time ' +
  '+eval +evalsha +get +set +del +exists +hget +hmget +hset +pexpire +scan +publish +subscribe';

let server: RedisServer;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  await admin.call('ACL', 'SETUSER', 'nexo', ...README_ACL.split(' '));
});
afterAll(async () => {
  await admin.quit();
  await server.close();
});

describe('RedisStorage as a restricted ACL user', () => {
  it('does everything it needs with the README ACL, and nothing outside its prefix', async () => {
    const url = `redis://nexo:test-only-acl-password@127.0.0.1:${server.port}`;
    const storage = new RedisStorage({ url, ...fastOptions });
    const watcher = new RedisStorage({ url, ...fastOptions });
    const seen: string[] = [];
    try {
      watcher.watch('certificates/', (change) => seen.push(change.key));
      await storage.prepare();
      await storage.store('certificates/a/key', 'secret', { secret: true });
      const lock = await storage.lock('issue/a');
      await lock.refresh();
      await lock.unlock();

      expect(text(await watcher.load('certificates/a/key'))).toBe('secret');
      expect(await watcher.stat('certificates/a/key')).toBeDefined();
      expect(await watcher.list('')).toEqual(['certificates/a/key']);
      await expect.poll(() => seen, { timeout: 10_000 }).toContain('certificates/a/key');
      await storage.delete('certificates/a/key');
      expect(await storage.exists('certificates/a/key')).toBe(false);
    } finally {
      await storage.close();
      await watcher.close();
    }

    // Keys outside the user's pattern are refused with a code a caller can act on.
    const denied = new RedisStorage({ url, ...fastOptions, prefix: 'other' });
    try {
      await expect(denied.store('k', 'v')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    } finally {
      await denied.close();
    }
  });
});
