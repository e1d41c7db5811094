import { StorageError } from '@nexo/certstore';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf, storageFactory, text } from './helpers.js';

let server: RedisServer;
let factory: ReturnType<typeof storageFactory>;

beforeAll(async () => {
  server = await startRedisServer();
  factory = storageFactory(server);
});
afterEach(() => factory.closeAll());
afterAll(() => server.close());

const encryptionKey = 'test-only-key-0123456789abcdef';
const privateKey = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n';

describe('RedisStorage encryption at rest', () => {
  it('encrypts secret values in Redis and loads them back in the clear', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix(), encryptionKey });
    const raw = factory.raw();

    await storage.store('certificates/a/key', privateKey, { secret: true });
    await storage.store('certificates/a/chain', 'public chain');

    const sealed = await raw.hgetBuffer(`${storage.prefix}:data:certificates/a/key`, 'value');
    expect(sealed?.includes('PRIVATE KEY')).toBe(false);
    expect(text(await storage.load('certificates/a/key'))).toBe(privateKey);
    expect((await storage.stat('certificates/a/key'))?.sizeBytes).toBe(privateKey.length);
    expect(await raw.hget(`${storage.prefix}:data:certificates/a/chain`, 'value')).toBe(
      'public chain',
    );
  });

  it('shares secrets between instances that have the same key', async () => {
    const prefix = factory.nextPrefix();
    await factory.open({ prefix, encryptionKey }).store('k', privateKey, { secret: true });

    const other = factory.open({ prefix, encryptionKey });

    expect(text(await other.load('k'))).toBe(privateKey);
  });

  it.each([
    ['no key', undefined],
    ['another key', 'another-key-0123456789abcdef'],
  ])('refuses to load a secret with %s, as PERMISSION_DENIED', async (_case, otherKey) => {
    const prefix = factory.nextPrefix();
    await factory.open({ prefix, encryptionKey }).store('k', privateKey, { secret: true });

    const error = await rejectionOf(factory.open({ prefix, encryptionKey: otherKey }).load('k'));

    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('PERMISSION_DENIED');
    expect((error as StorageError).message).toContain('encryption');
  });

  it('refuses a sealed value copied under another key', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix(), encryptionKey });
    const raw = factory.raw();
    await storage.store('a/key', privateKey, { secret: true });

    await raw.copy(`${storage.prefix}:data:a/key`, `${storage.prefix}:data:b/key`);

    expect(((await rejectionOf(storage.load('b/key'))) as StorageError).code).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('still reads secrets that were stored before encryption was turned on', async () => {
    const prefix = factory.nextPrefix();
    await factory.open({ prefix }).store('k', privateKey, { secret: true });

    expect(text(await factory.open({ prefix, encryptionKey }).load('k'))).toBe(privateKey);
  });

  it('rejects a short encryption key at construction', () => {
    expect(() => factory.open({ prefix: factory.nextPrefix(), encryptionKey: 'short' })).toThrow(
      /too short/,
    );
  });
});
