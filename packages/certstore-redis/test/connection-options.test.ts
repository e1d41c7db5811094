import { StorageError } from '@nexo/certstore';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { fastOptions, rejectionOf, text } from './helpers.js';

const PASSWORD = 'test-only-redis-password';
let server: RedisServer;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  // This connection stays authenticated; new ones must send the password.
  await admin.config('SET', 'requirepass', PASSWORD);
});
afterAll(async () => {
  await admin.quit();
  await server.close();
});

/** Runs `use` on a storage and always closes it. */
async function withStorage<T>(
  options: ConstructorParameters<typeof RedisStorage>[0],
  use: (storage: RedisStorage) => Promise<T>,
): Promise<T> {
  const storage = new RedisStorage({ ...fastOptions, prefix: 'opts', ...options });
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

describe('RedisStorage connection options', () => {
  it.each([
    ['no password', undefined],
    ['a wrong password', 'not-the-password'],
  ])('fails the startup check with PERMISSION_DENIED given %s', async (_case, password) => {
    const error = await withStorage({ url: server.url, password }, (storage) =>
      rejectionOf(storage.prepare()),
    );

    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('PERMISSION_DENIED');
    expect((error as StorageError).message).toMatch(/storage\.password/);
  });

  it('authenticates with the password option or the one in the URL', async () => {
    await withStorage({ url: server.url, password: PASSWORD }, async (storage) => {
      await storage.prepare();
      await storage.store('k', 'from option');
    });
    const inUrl = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;

    const loaded = await withStorage({ url: inUrl }, (storage) => storage.load('k'));

    expect(text(loaded)).toBe('from option');
  });

  it('uses an injected client as it is and leaves it open on close', async () => {
    const client = new Redis(server.url, { password: PASSWORD });
    try {
      await withStorage({ client }, async (storage) => {
        await storage.store('injected', 'yes');
        const lock = await storage.lock('injected-lock');
        await lock.unlock();
      });

      expect(client.status).toBe('ready');
      expect(await client.hget('opts:data:injected', 'value')).toBe('yes');
    } finally {
      await client.quit();
    }
  });

  it('needs a url or a client', () => {
    expect(() => new RedisStorage({ prefix: 'x' })).toThrow(/needs either `url` or `client`/);
  });
});
