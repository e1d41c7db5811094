import { StorageError } from '@nexo/certstore';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { fastOptions, rejectionOf, text } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer({ tls: true });
});
afterAll(() => server.close());

describe('RedisStorage over TLS (rediss://)', () => {
  it('stores, locks and watches through a TLS connection trusting the given CA', async () => {
    const options = { url: server.url, tls: { ca: server.caCertPem }, ...fastOptions };
    const storage = new RedisStorage(options);
    const other = new RedisStorage(options);
    const seen: string[] = [];
    try {
      other.watch('certificates/', (change) => seen.push(change.key));
      await storage.prepare();
      await storage.store('certificates/tls', 'over tls');
      const lock = await storage.lock('issue/tls');
      await lock.unlock();

      expect(server.url.startsWith('rediss://')).toBe(true);
      expect(text(await other.load('certificates/tls'))).toBe('over tls');
      await expect.poll(() => seen.includes('certificates/tls'), { timeout: 10_000 }).toBe(true);
    } finally {
      await storage.close();
      await other.close();
    }
  });

  it('refuses a server certificate it does not trust, as UNAVAILABLE', async () => {
    const storage = new RedisStorage({ url: server.url, ...fastOptions });
    try {
      const error = await rejectionOf(storage.prepare());

      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('UNAVAILABLE');
      expect((error as StorageError).message).toMatch(/certificate/i);
    } finally {
      await storage.close();
    }
  });
});
