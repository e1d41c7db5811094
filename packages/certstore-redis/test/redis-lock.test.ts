import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '@nexo/certstore';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, rejectionOf, storageFactory } from './helpers.js';

let server: RedisServer;
let factory: ReturnType<typeof storageFactory>;

beforeAll(async () => {
  server = await startRedisServer();
  factory = storageFactory(server);
});
afterEach(() => factory.closeAll());
afterAll(() => server.close());

/** Two storages on separate connections, as two Nexo instances would have. */
function twoInstances(options: { autoRefresh?: boolean } = {}) {
  const prefix = factory.nextPrefix();
  return [factory.open({ prefix, ...options }), factory.open({ prefix, ...options })] as const;
}

describe('RedisStorage locks', () => {
  it('lets only one of two instances into the critical section at a time', async () => {
    const [a, b] = twoInstances();
    let inside = 0;
    let maxInside = 0;
    let entered = 0;

    const worker = async (storage: typeof a) => {
      for (let round = 0; round < 5; round++) {
        const lock = await storage.lock('issue/example.com');
        inside++;
        entered++;
        maxInside = Math.max(maxInside, inside);
        await sleep(5);
        inside--;
        await lock.unlock();
      }
    };
    await Promise.all([worker(a), worker(b), worker(a), worker(b)]);

    expect(entered).toBe(20);
    expect(maxInside).toBe(1);
  });

  it('stores the lease with an expiry and a random token, and removes it on unlock', async () => {
    const [a] = twoInstances();
    const raw = factory.raw();

    const lock = await a.lock('renew/x', { leaseMs: 30_000 });
    const key = `${a.prefix}:lock:renew/x`;
    const ttl = await raw.pttl(key);
    const token = await raw.get(key);

    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    await lock.unlock();
    expect(await raw.exists(key)).toBe(0);
  });

  it('hands a lock whose holder stopped refreshing to the next instance after the lease', async () => {
    const [a, b] = twoInstances({ autoRefresh: false });

    const dead = await a.lock('renew/y', { leaseMs: 300 });
    const taken = await b.lock('renew/y', { leaseMs: 30_000 });

    // The old holder's refresh and unlock must not touch the new holder's lease.
    const refreshError = await rejectionOf(dead.refresh());
    expect((refreshError as StorageError).code).toBe('LOCK_LOST');
    await dead.unlock();
    const third = factory.open({ prefix: a.prefix });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const waitError = await rejectionOf(third.lock('renew/y', { signal: controller.signal }));
    expect((waitError as StorageError).code).toBe('ABORTED');

    await taken.unlock();
    const after = await third.lock('renew/y');
    await after.unlock();
  });

  it('keeps a lock past its lease while the holder is alive (auto-refresh)', async () => {
    const [a, b] = twoInstances();

    // Refreshed every third of the lease: a refresh would have to be over 1.3 s late.
    const held = await a.lock('renew/z', { leaseMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 3000);
    const error = await rejectionOf(b.lock('renew/z', { signal: controller.signal }));

    expect((error as StorageError).code).toBe('ABORTED');
    await held.unlock();
  });

  it('extends the lease on refresh', async () => {
    const [a] = twoInstances({ autoRefresh: false });
    const raw = factory.raw();
    const key = `${a.prefix}:lock:renew/r`;

    const lock = await a.lock('renew/r', { leaseMs: 5000 });
    await raw.pexpire(key, 100);
    await lock.refresh();

    expect(await raw.pttl(key)).toBeGreaterThan(1000);
    await lock.unlock();
  });

  it('does not take the lock when aborted while waiting', async () => {
    const [a, b] = twoInstances();
    const held = await a.lock('renew/w');
    const controller = new AbortController();

    const waiting = rejectionOf(b.lock('renew/w', { signal: controller.signal }));
    await sleep(100);
    controller.abort(new Error('shutdown'));
    const error = await waiting;
    await held.unlock();

    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('ABORTED');
    await eventually(
      'the lock is free',
      async () => !(await factory.raw().exists(`${a.prefix}:lock:renew/w`)),
    );
  });
});
