import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../src/file-storage.js';
import { makeTempDir } from './helpers/certificates.js';

const WORKER = fileURLToPath(new URL('./fixtures/lock-worker.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

function startWorker(args: string[]): ChildProcess {
  const child = fork(WORKER, args, {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function message(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => child.once('message', resolve));
}

/** Starts racing workers and lets them go at the same moment. */
async function race(root: string, name: string, iterations: number, log: string) {
  const workers = [0, 1].map(() => startWorker(['race', root, name, String(iterations), log]));
  await Promise.all(workers.map(message));
  for (const worker of workers) worker.send('go');
  return Promise.all(workers.map(exitCode));
}

/** Fails when the log shows two processes inside at once; returns how many entries. */
function assertNeverBothInside(log: string): number {
  let inside: string | undefined;
  let entries = 0;
  for (const line of log.trim().split('\n')) {
    const [event, pid] = line.split(' ');
    if (event === 'enter') {
      expect(inside, `pid ${pid} entered while ${inside} was inside`).toBeUndefined();
      inside = pid;
      entries++;
    } else {
      expect(pid).toBe(inside);
      inside = undefined;
    }
  }
  return entries;
}

async function tempRoot() {
  const dir = await makeTempDir('race');
  cleanups.push(dir.remove);
  return dir.path;
}

beforeAll(() => {
  if (!existsSync(DIST)) throw new Error('build @nexo/certstore first (pnpm build)');
});

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('FileStorage locks across processes', () => {
  it('never lets two processes racing for one lock both inside', async () => {
    const root = await tempRoot();
    const log = `${root}/log.txt`;
    await writeFile(log, '');

    const codes = await race(root, 'issue/ca/example.com', 15, log);

    expect(codes).toEqual([0, 0]);
    expect(assertNeverBothInside(await readFile(log, 'utf8'))).toBe(30);
  });

  it('takes over the lock of a killed holder once its lease ran out', async () => {
    const root = await tempRoot();
    const holder = startWorker(['hold', root, 'issue/ca/example.com', '400']);
    await message(holder);
    holder.kill('SIGKILL');
    await exitCode(holder);

    const storage = new FileStorage({ root, pollIntervalMs: 20 });
    const lock = await storage.lock('issue/ca/example.com', {
      signal: AbortSignal.timeout(10_000),
    });
    await lock.unlock();
  });

  it('lets exactly one of two processes take over a stale lock at a time', async () => {
    const root = await tempRoot();
    const log = `${root}/log.txt`;
    await writeFile(log, '');
    const holder = startWorker(['hold', root, 'issue/ca/stale.example', '200']);
    await message(holder);
    holder.kill('SIGKILL');
    await exitCode(holder);
    await new Promise((resolve) => setTimeout(resolve, 250));

    const codes = await race(root, 'issue/ca/stale.example', 5, log);

    expect(codes).toEqual([0, 0]);
    expect(assertNeverBothInside(await readFile(log, 'utf8'))).toBe(10);
  });

  it('keeps a live holder that outlasts its lease thanks to automatic refresh', async () => {
    const root = await tempRoot();
    const storage = new FileStorage({ root, pollIntervalMs: 20 });
    // Generous numbers: a busy machine may delay a refresh timer by a few hundred ms.
    const lock = await storage.lock('issue/ca/slow.example', { leaseMs: 900 });
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const other = new FileStorage({ root, pollIntervalMs: 20 });
    const attempt = other.lock('issue/ca/slow.example', { signal: AbortSignal.timeout(600) });
    await expect(attempt).rejects.toMatchObject({ code: 'ABORTED' });
    await lock.unlock();
  });
});
