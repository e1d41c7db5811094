import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf } from './fs-errors.js';

/** Directories holding storage data are private to the nexo user. */
export const DIRECTORY_MODE = 0o700;

/** Suffix of the hidden temp files that {@link writeFileAtomic} renames into place. */
export const TEMP_SUFFIX = '.tmp';

export interface AtomicWriteOptions {
  mode: number;
  /** Checked just before the rename, so an aborted write leaves the old file alone. */
  beforeCommit?: () => void;
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old
 * file or the new one, never a torn mix: write a hidden temp file in the same
 * directory, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions,
): Promise<void> {
  const directory = dirname(path);
  await ensureDirectory(directory);

  const temp = join(
    directory,
    `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
  try {
    await writeAndSync(temp, data, options.mode);
    options.beforeCommit?.();
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }

  await syncDirectory(directory);
}

/** Creates `directory` (mode 0700) and makes the new entries durable. */
export async function ensureDirectory(directory: string): Promise<void> {
  // Node's own `mkdir({ recursive: true })` spins forever on paths such as /proc/x, where
  // mkdir reports ENOENT although the parent exists; creating level by level fails instead.
  const missing: string[] = [];
  for (let current = directory; !(await directoryExists(current)); ) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }

  // Each new directory's entry lives in its parent: create and sync from the top down.
  for (const path of missing.reverse()) {
    try {
      await mkdir(path, { mode: DIRECTORY_MODE });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
    await syncDirectory(dirname(path));
  }
}

async function directoryExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Flushes a directory's entries (renames, creations, deletions) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAndSync(path: string, data: Uint8Array | string, mode: number) {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
