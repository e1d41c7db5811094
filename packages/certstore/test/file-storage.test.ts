import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors.js';
import { FileStorage } from '../src/file-storage.js';
import { toStorageError } from '../src/fs-errors.js';
import { makeTempDir } from './helpers/certificates.js';

const WRITER = fileURLToPath(new URL('./fixtures/write-loop.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
let child: ChildProcess | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function newStorage() {
  const dir = await makeTempDir('file');
  cleanups.push(dir.remove);
  const storage = new FileStorage({ root: join(dir.path, 'store') });
  await storage.prepare();
  return storage;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('FileStorage on disk', () => {
  it('writes secrets 0600, other values 0644, directories 0700', async () => {
    const storage = await newStorage();
    await storage.store('certificates/ca/x/x.key', 'secret', { secret: true });
    await storage.store('certificates/ca/x/x.crt', 'public');

    expect(await modeOf(storage.root)).toBe(0o700);
    expect(await modeOf(join(storage.root, 'certificates/ca/x'))).toBe(0o700);
    expect(await modeOf(storage.describe('certificates/ca/x/x.key'))).toBe(0o600);
    expect(await modeOf(storage.describe('certificates/ca/x/x.crt'))).toBe(0o644);
  });

  it('keeps the old value when a crash leaves a temp file behind, and cleans it up', async () => {
    const storage = await newStorage();
    await storage.store('a/value', 'old and whole');
    const leftover = join(storage.root, 'a', '.value.0123456789ab.tmp');
    await writeFile(leftover, 'new but tor');

    expect(new TextDecoder().decode(await storage.load('a/value'))).toBe('old and whole');
    expect(await storage.list('')).toEqual(['a/value']);

    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(leftover, hourAgo, hourAgo);
    await storage.prepare();
    expect(await readdir(join(storage.root, 'a'))).toEqual(['value']);
  });

  it('always holds one whole value after a writer process is killed mid-write', async () => {
    if (!existsSync(DIST)) throw new Error('build @nexo/certstore first (pnpm build)');
    const storage = await newStorage();
    const sizeBytes = 2 * 1024 * 1024;

    for (let round = 0; round < 4; round++) {
      child = fork(WRITER, [storage.root, 'big/value', String(sizeBytes)], { execArgv: [] });
      await new Promise((resolve) => child?.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 40));
      child.kill('SIGKILL');
      await new Promise((resolve) => child?.once('exit', resolve));

      const text = new TextDecoder().decode(await storage.load('big/value'));
      expect(text.length).toBe(sizeBytes);
      expect(text).toBe((text[0] as string).repeat(sizeBytes));
    }
  });

  it('leaves the old value when a store is aborted before it commits', async () => {
    const storage = await newStorage();
    await storage.store('k', 'old');
    const controller = new AbortController();

    const pending = storage.store('k', 'x'.repeat(1024 * 1024), { signal: controller.signal });
    controller.abort();

    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(new TextDecoder().decode(await storage.load('k'))).toBe('old');
    expect(await readdir(storage.root)).toEqual(['k']);
  });

  it('fails prepare() with a clear error when the root cannot be a directory', async () => {
    const dir = await makeTempDir('notdir');
    cleanups.push(dir.remove);
    await writeFile(join(dir.path, 'file'), '');
    const storage = new FileStorage({ root: join(dir.path, 'file', 'store') });

    const error = await storage.prepare().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain(join(dir.path, 'file', 'store'));
  });

  // Regression: Node's recursive mkdir spins forever where mkdir says ENOENT under an
  // existing parent (/proc); a base_dir there made Nexo busy-loop instead of failing.
  it.runIf(existsSync('/proc/self'))(
    'fails prepare() under /proc instead of spinning',
    async () => {
      const storage = new FileStorage({ root: '/proc/nexo-no-such-dir/certs' });

      const error = await storage.prepare().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toContain('/proc/nexo-no-such-dir/certs');
    },
  );

  it.each([
    ['EROFS', 'READ_ONLY', 'read-only'],
    ['ENOSPC', 'NO_SPACE', 'disk is full'],
    ['EDQUOT', 'NO_SPACE', 'disk is full'],
    ['EACCES', 'PERMISSION_DENIED', 'permission denied'],
    ['EIO', 'IO', 'check the disk'],
  ])('maps %s to %s with advice', (errno, code, advice) => {
    const cause = Object.assign(new Error(`${errno}: failed`), { code: errno });

    const error = toStorageError(cause, 'write to storage directory', '/var/lib/nexo');

    expect(error.code).toBe(code);
    expect(error.message).toContain('/var/lib/nexo');
    expect(error.message).toContain(advice);
    expect(error.cause).toBe(cause);
  });
});

describe('FileStorage lock files', () => {
  async function lockDir() {
    const dir = await makeTempDir('lockfile');
    cleanups.push(dir.remove);
    await mkdir(join(dir.path, '.locks'), { recursive: true });
    return dir.path;
  }

  const options = (root: string) => ({ root, pollIntervalMs: 20, guardStaleMs: 200 });
  const old = new Date(Date.now() - 3_600_000);

  it('respects a fresh lock file it cannot parse, and takes it over once old', async () => {
    const root = await lockDir();
    const lockPath = join(root, '.locks', 'damaged.lock');
    await writeFile(lockPath, 'not json');
    const storage = new FileStorage(options(root));

    const early = storage.lock('damaged', { signal: AbortSignal.timeout(100) });
    await expect(early).rejects.toMatchObject({ code: 'ABORTED' });

    await utimes(lockPath, old, old);
    const lock = await storage.lock('damaged', { signal: AbortSignal.timeout(5000) });
    await lock.unlock();
    expect(await readdir(join(root, '.locks'))).toEqual([]);
  });

  it('removes a steal guard left by a process that died while taking over', async () => {
    const root = await lockDir();
    const expired = { token: 'dead', pid: 1, hostname: 'h', acquiredAt: 0, expiresAt: 1 };
    await writeFile(join(root, '.locks', 'guarded.lock'), JSON.stringify(expired));
    const guard = { token: 'dead-guard', pid: 1, createdAt: Date.now() - 3_600_000 };
    await writeFile(join(root, '.locks', 'guarded.lock.steal'), JSON.stringify(guard));
    const storage = new FileStorage(options(root));

    const lock = await storage.lock('guarded', { signal: AbortSignal.timeout(5000) });
    await lock.unlock();

    expect(await readdir(join(root, '.locks'))).toEqual([]);
  });

  it('rejects an invalid lock name with INVALID_KEY', async () => {
    const storage = new FileStorage(options(await lockDir()));

    await expect(storage.lock('../escape')).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });
});
