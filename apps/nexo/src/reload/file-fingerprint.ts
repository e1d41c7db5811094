import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** What identifies one version of a file; `undefined` when the file is absent. */
export interface FileFingerprint {
  readonly sha256: string;
  /** Cheap identity used by the poll to decide whether to hash again. */
  readonly statKey: string;
}

/**
 * Reads the file (following symlinks, so a swapped `..data` link shows the new target)
 * and fingerprints it. Absent: `undefined` (it may be mid-swap). Present but unreadable
 * (a directory, no permission): rejects with the file system's error, for the log.
 */
export async function fingerprintFile(path: string): Promise<FileFingerprint | undefined> {
  try {
    const [info, bytes] = await Promise.all([stat(path), readFile(path)]);
    return {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      statKey: statKeyOf(info),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The stat part only: inode, size and modification time. */
export async function statKey(path: string): Promise<string | undefined> {
  try {
    return statKeyOf(await stat(path));
  } catch {
    return undefined;
  }
}

function statKeyOf(info: { dev: number; ino: number; size: number; mtimeMs: number }): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}
