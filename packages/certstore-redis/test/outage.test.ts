import type { StorageChange } from '@nexo/certstore';
import { StorageError } from '@nexo/certstore';
import { type RedisServer, startRedisServer } from '@nexo/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import {
  eventually,
  fastOptions,
  rejectionOf,
  scanCalls,
  storageFactory,
  text,
} from './helpers.js';

let server: RedisServer;
let factory: ReturnType<typeof storageFactory>;

beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
  factory = storageFactory(server);
});
afterEach(async () => {
  await server.start().catch(() => {});
  await factory.closeAll();
});
afterAll(() => server.close());

/** A logger that keeps messages, to check that outages are reported. */
function memoryLogger() {
  const lines: { level: string; message: string | undefined }[] = [];
  const at = (level: string) => (first: object | string, message?: string) => {
    lines.push({ level, message: typeof first === 'string' ? first : message });
  };
  const logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

describe('RedisStorage when Redis goes away', () => {
  it('fails with UNAVAILABLE while Redis is down, logs it, and recovers after restart', async () => {
    const { logger, lines } = memoryLogger();
    const storage = factory.open({ prefix: factory.nextPrefix(), logger });
    await storage.store('k', 'before');

    await server.stop();
    await eventually('the loss was noticed', () => lines.some((l) => l.level === 'warn'));
    const error = await rejectionOf(storage.load('k'));
    const lockError = await rejectionOf(storage.lock('renew/k'));

    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('UNAVAILABLE');
    expect((error as StorageError).message).toMatch(/redis is unreachable/);
    expect((lockError as StorageError).code).toBe('UNAVAILABLE');

    await server.start();
    await eventually('operations work again', async () => {
      return text(await storage.load('k').catch(() => undefined)) === 'before';
    });
    expect(lines.some((l) => l.message === 'redis reconnected')).toBe(true);
  });

  it('loses no acknowledged write when Redis is killed and restarted mid-run', async () => {
    const prefix = factory.nextPrefix();
    const storage = factory.open({ prefix });
    const written: string[] = [];

    for (let i = 0; i < 50; i++) {
      await storage.store(`certificates/${i}`, `value ${i}`);
      written.push(`certificates/${i}`);
    }
    await server.stop({ crash: true });
    await server.start();

    const reader = factory.open({ prefix });
    expect(await reader.list('certificates/')).toEqual(written.sort());
    expect(text(await reader.load('certificates/49'))).toBe('value 49');
  });

  it('reports a change it was never told about once its connection comes back', async () => {
    const prefix = factory.nextPrefix();
    const watcher = factory.open({ prefix, rescanIntervalMs: 0 });
    const seen: StorageChange[] = [];
    const raw = factory.raw();
    await watcher.store('certificates/a', 'v1');
    const scansBefore = await scanCalls(raw);

    watcher.watch('certificates/', (change) => seen.push(change));
    await eventually('the first scans are done', async () => {
      return (await scanCalls(raw)) >= scansBefore + 2;
    });
    // Not announced: only the re-scan after reconnecting can find it.
    const modified = String(Date.now() + 5);
    await raw.hset(`${prefix}:data:certificates/a`, 'value', 'v2', 'size', 2, 'modified', modified);
    await server.stop();
    await server.start();

    await eventually('the renewal was reported', () =>
      seen.some((change) => change.key === 'certificates/a'),
    );
    expect(seen).toEqual([{ type: 'store', key: 'certificates/a' }]);
  });

  it('rejects with UNAVAILABLE when Redis was never reachable, without crashing', async () => {
    const port = server.port;
    await server.stop();
    const storage = new RedisStorage({
      url: `redis://127.0.0.1:${port}`,
      prefix: 'x',
      ...fastOptions,
    });

    try {
      const error = await rejectionOf(storage.prepare());
      expect((error as StorageError).code).toBe('UNAVAILABLE');
    } finally {
      await storage.close();
    }
  });
});
