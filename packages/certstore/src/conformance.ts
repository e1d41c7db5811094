import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from './errors.js';
import type { Locker, Storage, StorageChange, StorageWatcher } from './storage.js';

/** One fresh backend for one test. */
export interface ConformanceSubject {
  storage: Storage;
  /** Omit for a storage without locks; the locker tests are then skipped. */
  locker?: Locker;
  /**
   * A second locker on the same backend whose locks are never refreshed, standing in
   * for a holder whose process died. Without it, the takeover test is skipped.
   */
  lockerWithoutRefresh?: Locker;
  /** Called after each test: stop servers, delete directories. */
  cleanup?: () => Promise<void>;
}

/** Options of {@link runStorageConformance}. */
export interface StorageConformanceOptions {
  /** Shown in the test names, e.g. `FileStorage`. */
  name: string;
  create: () => Promise<ConformanceSubject>;
  /** Lease used by the takeover tests; short, so they stay fast. Default 300 ms. */
  leaseMs?: number;
}

/**
 * Registers vitest tests that check a {@link Storage} (and {@link Locker}) against
 * the written contract. Call it at the top level of a test file:
 *
 * ```ts
 * runStorageConformance({ name: 'MyStorage', create: async () => ({ storage, locker }) });
 * ```
 */
export function runStorageConformance(options: StorageConformanceOptions): void {
  describe(`${options.name} storage conformance`, () => {
    const subject = useSubject(options);
    storageTests(subject);
  });

  describe(`${options.name} locker conformance`, () => {
    const subject = useSubject(options);
    lockerTests(subject, options.leaseMs ?? 300);
  });
}

/** The subject of the running test, plus a key prefix unique to it. */
interface SubjectRef {
  current: ConformanceSubject;
  prefix: string;
}

function useSubject(options: StorageConformanceOptions): SubjectRef {
  const ref = { prefix: '' } as SubjectRef;

  beforeEach(async () => {
    ref.current = await options.create();
    ref.prefix = `conformance-${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    await ref.current.cleanup?.();
  });

  return ref;
}

const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected a StorageError ${code}`).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
}

function storageTests(ref: SubjectRef): void {
  it('loads what was stored, strings and bytes alike', async () => {
    const { storage } = ref.current;
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await storage.store(`${ref.prefix}/text`, 'héllo');
    await storage.store(`${ref.prefix}/bytes`, bytes, { secret: true });

    expect(decode(await storage.load(`${ref.prefix}/text`))).toBe('héllo');
    expect(await storage.load(`${ref.prefix}/bytes`)).toEqual(bytes);
  });

  it('reports a missing key as not found, and deleting it succeeds', async () => {
    const { storage } = ref.current;
    const key = `${ref.prefix}/missing`;

    expect(await storage.load(key)).toBeUndefined();
    expect(await storage.stat(key)).toBeUndefined();
    expect(await storage.exists(key)).toBe(false);
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it('overwrites, stats and deletes a key', async () => {
    const { storage } = ref.current;
    const key = `${ref.prefix}/a/b.json`;
    await storage.store(key, 'first value');
    await storage.store(key, 'second');

    expect(decode(await storage.load(key))).toBe('second');
    const stat = await storage.stat(key);
    expect(stat?.key).toBe(key);
    expect(stat?.sizeBytes).toBe(6);
    expect(stat?.modifiedAt).toBeInstanceOf(Date);
    expect(await storage.exists(key)).toBe(true);

    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    expect(await storage.load(key)).toBeUndefined();
  });

  it('lists keys by plain string prefix, recursively and sorted', async () => {
    const { storage } = ref.current;
    const p = ref.prefix;
    for (const key of ['b/z', 'b/a/deep/x', 'ba/y', 'a', 'c/gone']) {
      await storage.store(`${p}/${key}`, key);
    }
    await storage.delete(`${p}/c/gone`);

    expect(await storage.list(`${p}/`)).toEqual(
      ['a', 'b/a/deep/x', 'b/z', 'ba/y'].map((key) => `${p}/${key}`),
    );
    expect(await storage.list(`${p}/b`)).toEqual([`${p}/b/a/deep/x`, `${p}/b/z`, `${p}/ba/y`]);
    expect(await storage.list(`${p}/b/`)).toEqual([`${p}/b/a/deep/x`, `${p}/b/z`]);
    expect(await storage.list(`${p}/nothing/`)).toEqual([]);
    expect(await storage.list('')).toEqual(expect.arrayContaining([`${p}/a`, `${p}/ba/y`]));
  });

  it.each([
    ['empty', ''],
    ['parent segment', 'a/../b'],
    ['dot segment', 'a/./b'],
    ['leading slash', '/etc/passwd'],
    ['trailing slash', 'a/'],
    ['empty segment', 'a//b'],
    ['hidden segment', 'a/.hidden'],
    ['space', 'a b'],
    ['backslash', 'a\\b'],
    ['asterisk', '*.example.com'],
    ['too long', 'k'.repeat(1025)],
  ])('rejects an invalid key (%s) with INVALID_KEY', async (_case, key) => {
    const { storage } = ref.current;

    await expectCode(storage.store(key, 'x'), 'INVALID_KEY');
    await expectCode(storage.load(key), 'INVALID_KEY');
    await expectCode(storage.delete(key), 'INVALID_KEY');
    await expectCode(storage.stat(key), 'INVALID_KEY');
  });

  it('rejects an aborted operation with ABORTED and leaves the value alone', async () => {
    const { storage } = ref.current;
    const key = `${ref.prefix}/aborted`;
    await storage.store(key, 'kept');
    const signal = AbortSignal.abort(new Error('stop'));

    await expectCode(storage.store(key, 'lost', { signal }), 'ABORTED');
    await expectCode(storage.load(key, { signal }), 'ABORTED');
    await expectCode(storage.delete(key, { signal }), 'ABORTED');
    expect(decode(await storage.load(key))).toBe('kept');
  });

  it('never shows a reader a mix of two concurrent writes', async () => {
    const { storage } = ref.current;
    const key = `${ref.prefix}/contended`;
    const values = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(256 * 1024));
    await storage.store(key, values[0] as string);

    const reads: Promise<Uint8Array | undefined>[] = [];
    const writes = values.map((value) => storage.store(key, value));
    for (let i = 0; i < 8; i++) reads.push(storage.load(key));
    await Promise.all(writes);

    for (const bytes of await Promise.all(reads)) expect(values).toContain(decode(bytes));
    expect(values).toContain(decode(await storage.load(key)));
  });
}

function lockerTests(ref: SubjectRef, leaseMs: number): void {
  const lockerOf = (subject: ConformanceSubject): Locker => {
    if (subject.locker === undefined) throw new Error('subject has no locker');
    return subject.locker;
  };

  it('lets one holder in at a time', async (context) => {
    if (ref.current.locker === undefined) return context.skip();
    const locker = lockerOf(ref.current);
    const name = `${ref.prefix}/exclusive`;
    let inside = 0;
    let maxInside = 0;

    const worker = async () => {
      const lock = await locker.lock(name);
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
      await lock.unlock();
    };
    await Promise.all([worker(), worker(), worker()]);

    expect(maxInside).toBe(1);
  });

  it('does not make different names wait for each other', async (context) => {
    if (ref.current.locker === undefined) return context.skip();
    const locker = lockerOf(ref.current);
    const first = await locker.lock(`${ref.prefix}/one`);

    const second = await locker.lock(`${ref.prefix}/two`, { signal: AbortSignal.timeout(5000) });
    await second.unlock();
    await first.unlock();
  });

  it('rejects a waiting lock() with ABORTED when its signal aborts', async (context) => {
    if (ref.current.locker === undefined) return context.skip();
    const locker = lockerOf(ref.current);
    const name = `${ref.prefix}/busy`;
    const held = await locker.lock(name);

    await expectCode(locker.lock(name, { signal: AbortSignal.timeout(100) }), 'ABORTED');
    await held.unlock();

    const again = await locker.lock(name, { signal: AbortSignal.timeout(5000) });
    await again.unlock();
  });

  it('keeps refresh and a second unlock harmless for the holder', async (context) => {
    if (ref.current.locker === undefined) return context.skip();
    const locker = lockerOf(ref.current);
    const lock = await locker.lock(`${ref.prefix}/refresh`, { leaseMs });

    await lock.refresh();
    await lock.unlock();
    await lock.unlock();
  });

  it('hands an expired lock over; the old holder cannot release it', async (context) => {
    const { lockerWithoutRefresh } = ref.current;
    if (ref.current.locker === undefined || lockerWithoutRefresh === undefined) {
      return context.skip();
    }
    const locker = lockerOf(ref.current);
    const name = `${ref.prefix}/stale`;
    const dead = await lockerWithoutRefresh.lock(name, { leaseMs });

    const taker = await locker.lock(name, { leaseMs: 30_000, signal: AbortSignal.timeout(10_000) });
    await dead.unlock();
    await expectCode(dead.refresh(), 'LOCK_LOST');

    await expectCode(locker.lock(name, { signal: AbortSignal.timeout(leaseMs) }), 'ABORTED');
    await taker.unlock();
  });
}

/** A backend with change notifications, for {@link runWatcherConformance}. */
export interface WatcherConformanceSubject {
  /** Where changes are made; ideally a second instance, to prove cross-process delivery. */
  storage: Storage;
  watcher: StorageWatcher;
  cleanup?: () => Promise<void>;
}

/** Options of {@link runWatcherConformance}. */
export interface WatcherConformanceOptions {
  name: string;
  create: () => Promise<WatcherConformanceSubject>;
  /** How long a change may take to arrive. Default 5000 ms. */
  deliveryTimeoutMs?: number;
}

/**
 * Registers vitest tests for a {@link StorageWatcher}: changes under the prefix arrive
 * with the right key and type, others do not, and the stop function stops delivery.
 */
export function runWatcherConformance(options: WatcherConformanceOptions): void {
  describe(`${options.name} watcher conformance`, () => {
    let subject: WatcherConformanceSubject;
    let prefix = '';
    const timeoutMs = options.deliveryTimeoutMs ?? 5000;

    beforeEach(async () => {
      subject = await options.create();
      prefix = `watch-${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    it('delivers stores and deletes under the prefix, and nothing else', async () => {
      const changes: StorageChange[] = [];
      const stop = subject.watcher.watch(`${prefix}/in/`, (change) => changes.push(change));

      await subject.storage.store(`${prefix}/out/x`, 'ignored');
      await subject.storage.store(`${prefix}/in/a`, 'one');
      await waitFor(() => changes.some((c) => c.key === `${prefix}/in/a`), timeoutMs);
      await subject.storage.delete(`${prefix}/in/a`);
      await waitFor(() => changes.some((c) => c.type === 'delete'), timeoutMs);
      stop();

      expect(changes.every((change) => change.key.startsWith(`${prefix}/in/`))).toBe(true);
      expect(changes).toContainEqual({ key: `${prefix}/in/a`, type: 'store' });
      expect(changes).toContainEqual({ key: `${prefix}/in/a`, type: 'delete' });
    });

    it('stops delivering once stopped; stopping twice is harmless', async () => {
      const changes: StorageChange[] = [];
      const probe: StorageChange[] = [];
      const stop = subject.watcher.watch(`${prefix}/`, (change) => changes.push(change));
      const stopProbe = subject.watcher.watch(`${prefix}/`, (change) => probe.push(change));
      stop();
      stop();

      await subject.storage.store(`${prefix}/after`, 'x');
      await waitFor(() => probe.length > 0, timeoutMs);
      stopProbe();

      expect(changes).toEqual([]);
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`no change delivered within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
