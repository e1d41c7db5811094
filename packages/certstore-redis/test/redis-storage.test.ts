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

describe('RedisStorage values', () => {
  it('stores and loads bytes exactly, including zero bytes and invalid UTF-8', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });
    const bytes = new Uint8Array([0, 255, 1, 0xc3, 0x28, 0, 10, 13]);

    await storage.store('certificates/a/bin', bytes);

    expect(await storage.load('certificates/a/bin')).toEqual(bytes);
  });

  it('stores strings as UTF-8 and reports the byte size and Redis time in stat', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });
    const before = Date.now();

    await storage.store('notes/e', 'héllo');
    const info = await storage.stat('notes/e');
    expect(text(await storage.load('notes/e'))).toBe('héllo');
    expect(info?.sizeBytes).toBe(6);
    expect(info?.key).toBe('notes/e');
    expect(Math.abs((info?.modifiedAt.getTime() ?? 0) - before)).toBeLessThan(60_000);
  });

  it('reports a missing key as undefined / false and deletes it quietly', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });

    expect(await storage.load('missing')).toBeUndefined();
    expect(await storage.stat('missing')).toBeUndefined();
    expect(await storage.exists('missing')).toBe(false);
    await expect(storage.delete('missing')).resolves.toBeUndefined();
  });

  it('replaces a value whole and removes it on delete', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });

    await storage.store('k', 'a much longer first value');
    await storage.store('k', 'short');
    expect(text(await storage.load('k'))).toBe('short');
    expect((await storage.stat('k'))?.sizeBytes).toBe(5);

    await storage.delete('k');
    expect(await storage.exists('k')).toBe(false);
  });

  it('lists by plain string prefix, sorted, with SCAN over many keys', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });
    const keys = Array.from({ length: 1200 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((key) => storage.store(key, 'x')));
    await storage.store('ab', '1');
    await storage.store('a/b', '2');
    await storage.store('b', '3');

    expect(await storage.list('many/')).toEqual(keys);
    expect(await storage.list('a')).toEqual(['a/b', 'ab']);
    expect(await storage.list('zzz')).toEqual([]);
    expect((await storage.list('')).length).toBe(1203);
  });

  it('keeps prefixes apart: two storages on one server never see each other', async () => {
    const first = factory.open({ prefix: factory.nextPrefix() });
    const second = factory.open({ prefix: factory.nextPrefix() });

    await first.store('shared/name', 'first');

    expect(await second.exists('shared/name')).toBe(false);
    expect(await second.list('')).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['dot-dot segment', 'a/../b'],
    ['leading slash', '/a'],
    ['glob character', 'a*'],
    ['space', 'a b'],
    ['non-ASCII letter', 'notes/é'],
  ])('rejects a key with %s as INVALID_KEY before touching Redis', async (_case, key) => {
    const storage = factory.open({ prefix: factory.nextPrefix() });

    const error = await rejectionOf(storage.store(key, 'x'));

    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('INVALID_KEY');
  });

  it('rejects an already aborted operation with ABORTED and writes nothing', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));

    const error = await rejectionOf(storage.store('k', 'v', { signal: controller.signal }));

    expect((error as StorageError).code).toBe('ABORTED');
    expect(await storage.exists('k')).toBe(false);
  });

  it('never shows a torn value to concurrent readers', async () => {
    const writer = factory.open({ prefix: factory.nextPrefix() });
    const reader = factory.open({ prefix: writer.prefix });
    const big = (char: string) => char.repeat(256 * 1024);
    await writer.store('big', big('a'));

    const writes = Promise.all(['b', 'c', 'd', 'e'].map((char) => writer.store('big', big(char))));
    const seen = await Promise.all(
      Array.from({ length: 20 }, async () => text(await reader.load('big'))),
    );
    await writes;

    for (const value of seen) {
      expect(value?.length).toBe(256 * 1024);
      expect(new Set(value).size).toBe(1);
    }
  });

  it('passes the startup check and rejects a bad prefix', async () => {
    const storage = factory.open({ prefix: factory.nextPrefix() });

    await expect(storage.prepare()).resolves.toBeUndefined();
    expect(() => factory.open({ prefix: 'bad prefix*' })).toThrow(/invalid redis storage prefix/);
    expect(() => factory.open({ prefix: 'p', leaseMs: 0.5 })).toThrow(/leaseMs must be/);
    await expect(storage.lock('x', { leaseMs: -1 })).rejects.toThrow(/leaseMs must be/);
  });
});
