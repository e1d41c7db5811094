import type { StorageChange } from '@nexo/certstore';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, scanCalls, storageFactory } from './helpers.js';

let server: RedisServer;
let factory: ReturnType<typeof storageFactory>;

beforeAll(async () => {
  server = await startRedisServer();
  factory = storageFactory(server);
});
afterEach(() => factory.closeAll());
afterAll(() => server.close());

/** Resolves once the subscriber of `prefix` is listening on its channel. */
async function subscribed(prefix: string): Promise<void> {
  const raw = factory.raw();
  await eventually('the watcher is subscribed', async () => {
    const [, count] = (await raw.pubsub('NUMSUB', `${prefix}:changes`)) as [string, number];
    return count > 0;
  });
}

describe('RedisStorage watch', () => {
  it('tells another instance about stores and deletes under the watched prefix', async () => {
    const prefix = factory.nextPrefix();
    const writer = factory.open({ prefix });
    const reader = factory.open({ prefix, rescanIntervalMs: 0 });
    const seen: StorageChange[] = [];

    reader.watch('certificates/', (change) => seen.push(change));
    await subscribed(prefix);
    await writer.store('certificates/a.example/chain', 'pem');
    await writer.store('accounts/ca/account', 'not watched');
    await writer.delete('certificates/a.example/chain');
    await writer.delete('certificates/never-existed');

    await eventually('the delete arrived', () => seen.some((c) => c.type === 'delete'));
    // A change racing with the watch's start may be reported twice; nothing else may be.
    expect(seen).toContainEqual({ type: 'store', key: 'certificates/a.example/chain' });
    expect(seen.at(-1)).toEqual({ type: 'delete', key: 'certificates/a.example/chain' });
    expect(new Set(seen.map((change) => change.key))).toEqual(
      new Set(['certificates/a.example/chain']),
    );
  });

  it('finds changes that were never announced with the periodic re-scan', async () => {
    const prefix = factory.nextPrefix();
    const writer = factory.open({ prefix });
    await writer.store('certificates/old', 'v1');
    await writer.store('certificates/gone', 'v1');
    const reader = factory.open({ prefix, rescanIntervalMs: 100 });
    const seen: StorageChange[] = [];

    const raw = factory.raw();
    const scansBefore = await scanCalls(raw);

    reader.watch('certificates/', (change) => seen.push(change));
    // A second SCAN means the first one (the snapshot to compare with) has finished.
    await eventually(
      'the feed scanned twice',
      async () => (await scanCalls(raw)) >= scansBefore + 2,
    );
    // Keys written just before a watch starts are reported once: not what this test is about.
    seen.length = 0;
    // Written behind the feed's back, as if the message had been lost.
    await raw.hset(
      `${prefix}:data:certificates/old`,
      'value',
      'v2',
      'size',
      2,
      'modified',
      Date.now() + 5,
    );
    await raw.hset(
      `${prefix}:data:certificates/new`,
      'value',
      'v1',
      'size',
      2,
      'modified',
      Date.now(),
    );
    await raw.del(`${prefix}:data:certificates/gone`);

    await eventually('the re-scan reported all three', () => seen.length >= 3);
    expect(seen).toEqual(
      expect.arrayContaining([
        { type: 'store', key: 'certificates/old' },
        { type: 'store', key: 'certificates/new' },
        { type: 'delete', key: 'certificates/gone' },
      ]),
    );
    expect(seen).toHaveLength(3);
  });

  it('keeps delivering after a listener throws, and stops after unwatch', async () => {
    const prefix = factory.nextPrefix();
    const writer = factory.open({ prefix });
    const reader = factory.open({ prefix, rescanIntervalMs: 0 });
    const seen: string[] = [];
    let calls = 0;

    const stop = reader.watch('', (change) => {
      calls++;
      if (calls === 1) throw new Error('listener bug');
      seen.push(change.key);
    });
    await subscribed(prefix);
    await writer.store('one', '1');
    await writer.store('two', '2');
    await eventually('the second change arrived', () => seen.includes('two'));

    stop();
    stop();
    await writer.store('three', '3');
    const other: string[] = [];
    reader.watch('', (change) => other.push(change.key));
    await eventually('a new watch sees later changes', async () => {
      await writer.store('four', '4');
      return other.includes('four');
    });
    // Events may repeat (a store racing with the watch's first scan is reported again),
    // but nothing reaches a stopped watch.
    expect(seen).toContain('two');
    expect(seen).not.toContain('three');
    expect(seen).not.toContain('four');
  });
});
