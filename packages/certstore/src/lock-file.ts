import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDirectory, syncDirectory, writeFileAtomic } from './atomic-write.js';
import { StorageError } from './errors.js';
import { errnoOf, throwIfAborted, toStorageError } from './fs-errors.js';
import type { Logger } from './logger.js';
import type { OperationOptions } from './storage.js';

/** What a lock file holds: who owns it and until when. */
interface LockFileContent {
  token: string;
  pid: number;
  hostname: string;
  acquiredAt: number;
  expiresAt: number;
}

/** A lock file as read: its content when readable, and whether its lease ran out. */
interface LockState {
  content?: LockFileContent;
  expired: boolean;
}

/** Settings shared by every lock of one {@link FileStorage}. */
export interface LockFileSettings {
  pollIntervalMs: number;
  guardStaleMs: number;
  autoRefresh: boolean;
  logger: Logger;
}

const GUARD_RETRY_MS = 10;
const VANISHED_RETRY_MS = 20;

/**
 * One lock file and the algorithm around it.
 *
 * - Creating: the content goes to a temp file that is hard-linked to the lock path;
 *   `link` fails when the path exists, so creation is exclusive and never half-written.
 * - Every change to an existing lock file (takeover of a stale one, refresh, unlock)
 *   happens while holding the "steal guard", a second link-created file. Two processes
 *   taking over the same stale lock are thus serialised, and each re-reads the lock
 *   under the guard before removing it, so nobody removes a fresh lock by mistake.
 * - A guard left behind by a process that died within those few file operations is
 *   removed once older than `guardStaleMs`.
 */
export class LockFile {
  readonly path: string;
  private readonly guardPath: string;
  private readonly settings: LockFileSettings;

  constructor(path: string, settings: LockFileSettings) {
    this.path = path;
    this.guardPath = `${path}.steal`;
    this.settings = settings;
  }

  /** Waits until this process holds the lock; returns the holder token. */
  async acquire(leaseMs: number, options: OperationOptions & { name: string }) {
    await ensureDirectory(dirname(this.path));
    const token = randomBytes(16).toString('hex');

    for (;;) {
      throwIfAborted(options.signal, options.name);
      if (await this.tryCreate(token, leaseMs)) return token;

      // The lock vanished between the two calls: normally retried at once, but a file
      // system that refuses every create while reporting nothing (seen under /proc) must
      // not turn this into a busy loop, so the retry waits a moment.
      const current = await this.read();
      if (current === undefined) {
        await pause(
          Math.min(this.settings.pollIntervalMs, VANISHED_RETRY_MS),
          options.signal,
          options.name,
        );
        continue;
      }
      if (current.expired && (await this.takeOver(token, leaseMs, current.content))) {
        return token;
      }

      await pause(this.settings.pollIntervalMs, options.signal, options.name);
    }
  }

  /** Extends the lease when `token` still holds the lock; false when it was lost. */
  refresh(token: string, leaseMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.withGuard(signal, async () => {
      const current = await this.read();
      if (current?.content?.token !== token) return false;

      const content = lockContent(token, leaseMs, current.content.acquiredAt);
      await writeFileAtomic(this.path, JSON.stringify(content), { mode: 0o600 });
      return true;
    });
  }

  /** Removes the lock file when `token` still holds it; false when it was lost. */
  release(token: string, signal?: AbortSignal): Promise<boolean> {
    return this.withGuard(signal, async () => {
      const current = await this.read();
      if (current?.content?.token !== token) return false;

      await unlink(this.path);
      await syncDirectory(dirname(this.path));
      return true;
    });
  }

  private async tryCreate(token: string, leaseMs: number): Promise<boolean> {
    const content = JSON.stringify(lockContent(token, leaseMs));
    return createExclusive(this.path, content, token);
  }

  private async takeOver(token: string, leaseMs: number, seen: LockFileContent | undefined) {
    const guardToken = await this.tryTakeGuard();
    if (guardToken === undefined) return false;

    try {
      const current = await this.read();
      if (current !== undefined && !current.expired) return false;

      if (current !== undefined) await unlinkIfPresent(this.path);
      const taken = await this.tryCreate(token, leaseMs);
      if (taken) this.logTakeover(seen);
      return taken;
    } finally {
      await this.releaseGuard(guardToken);
    }
  }

  private async withGuard<T>(signal: AbortSignal | undefined, work: () => Promise<T>) {
    for (;;) {
      throwIfAborted(signal, this.path);
      const guardToken = await this.tryTakeGuard();
      if (guardToken === undefined) {
        await pause(GUARD_RETRY_MS, signal, this.path);
        continue;
      }

      try {
        return await work();
      } finally {
        await this.releaseGuard(guardToken);
      }
    }
  }

  /** Takes the steal guard if free (or stale); returns its token or `undefined`. */
  private async tryTakeGuard(): Promise<string | undefined> {
    const token = randomBytes(16).toString('hex');
    const content = JSON.stringify({ token, pid: process.pid, createdAt: Date.now() });
    if (await createExclusive(this.guardPath, content, token)) return token;

    await this.removeStaleGuard();
    return undefined;
  }

  private async removeStaleGuard(): Promise<void> {
    const seen = await readJson(this.guardPath);
    if (seen === undefined) return;

    const createdAt = typeof seen?.createdAt === 'number' ? seen.createdAt : 0;
    if (Date.now() - createdAt < this.settings.guardStaleMs) return;

    // Move it aside, then check that it is the one judged stale; if a fresh guard was
    // caught instead, put it back.
    const aside = `${this.guardPath}.${randomBytes(6).toString('hex')}.stale`;
    if (!(await renameIfPresent(this.guardPath, aside))) return;

    const moved = await readJson(aside);
    if (moved?.token !== seen?.token) await link(aside, this.guardPath).catch(() => {});
    await unlinkIfPresent(aside);
    this.settings.logger.warn({ lock: this.path }, 'removed stale lock guard');
  }

  private async releaseGuard(guardToken: string): Promise<void> {
    const current = await readJson(this.guardPath);
    if (current?.token === guardToken) await unlinkIfPresent(this.guardPath);
  }

  /** The lock file's state; `undefined` when there is none. */
  private async read(): Promise<LockState | undefined> {
    const value = await readJson(this.path);
    if (value === undefined) return undefined;
    if (isLockFileContent(value)) return { content: value, expired: value.expiresAt <= Date.now() };

    // Link-based creation never leaves a half-written lock, so garbage is a foreign or
    // damaged file: treat it as expired once it is older than the guard staleness.
    const info = await stat(this.path).catch(() => undefined);
    if (info === undefined) return undefined;
    return { expired: Date.now() - info.mtimeMs > this.settings.guardStaleMs };
  }

  private logTakeover(seen: LockFileContent | undefined): void {
    this.settings.logger.warn(
      { lock: this.path, previous_pid: seen?.pid, previous_host: seen?.hostname },
      'took over expired lock',
    );
  }
}

function lockContent(token: string, leaseMs: number, acquiredAt?: number): LockFileContent {
  const now = Date.now();
  return {
    token,
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: acquiredAt ?? now,
    expiresAt: now + leaseMs,
  };
}

function isLockFileContent(value: unknown): value is LockFileContent {
  if (typeof value !== 'object' || value === null) return false;

  const content = value as Partial<LockFileContent>;
  return typeof content.token === 'string' && typeof content.expiresAt === 'number';
}

/** Creates `path` holding `content` only if it does not exist yet. */
async function createExclusive(path: string, content: string, token: string): Promise<boolean> {
  const temp = `${dirname(path)}/.${token}.lock.tmp`;
  await writeFileAtomic(temp, content, { mode: 0o600 });

  try {
    await link(temp, path);
    await syncDirectory(dirname(path));
    return true;
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw toStorageError(error, 'create lock file', path);
  } finally {
    await unlinkIfPresent(temp);
  }
}

/** Parsed JSON of a small file; `undefined` when absent, `null` when not JSON. */
async function readJson(path: string): Promise<Record<string, unknown> | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw toStorageError(error, 'read lock file', path);
  }

  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw toStorageError(error, 'remove', path);
  }
}

async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw toStorageError(error, 'move', from);
  }
}

async function pause(ms: number, signal: AbortSignal | undefined, name: string) {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw new StorageError('ABORTED', `waiting for lock ${name} aborted`, {
      cause: signal?.reason ?? error,
      key: name,
    });
  }
}
