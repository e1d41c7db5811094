import { type FSWatcher, watch } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fingerprintFile, statKey } from './file-fingerprint.js';

/** The logger surface the watcher uses (pino's satisfies it). */
interface WatcherLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of {@link watchConfig}: the file, the callback, and how eagerly to look. */
export interface WatchConfigOptions {
  /** The config file; may be a symlink (Kubernetes ConfigMap, Docker secrets). */
  path: string;
  /** Called once per settled change of the file's content. */
  onChange: () => void;
  /** sha256 of the content already loaded, so an edit made before watching is seen. */
  initialSha256?: string;
  /** Quiet time that ends a burst of events; default 250 ms. */
  debounceMs?: number;
  /** A burst never delays the change longer than this; default 2 s. */
  maxDelayMs?: number;
  /** Safety-net poll for file systems where events are lost; default 2 s, 0 to disable. */
  pollIntervalMs?: number;
  /** Use file system events; `false` polls only (mounts where events never arrive). */
  useEvents?: boolean;
  logger?: WatcherLogger;
}

/** A running watch; {@link close} stops it. */
export interface ConfigWatcher {
  /** Resolves once the current content is recorded: later changes will be reported. */
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * Watches a config file in the ways users replace it:
 * - editors that save by writing a temporary file and renaming it over the original
 *   (the inode changes, so a watch on the file itself would go deaf);
 * - symlink swaps, as Kubernetes does with ConfigMaps (`config.yaml -> ..data/config.yaml`,
 *   `..data` re-pointed atomically): the directory of the link and the directory of its
 *   current target are watched, and re-resolved after every event;
 * - the file briefly absent between delete and create: ignored until it is back.
 *
 * Events only start a check: the file is read and hashed, and `onChange` runs when the
 * content differs from the last version reported. Bursts are debounced into one call. A
 * slow poll backs up file systems that lose events (network mounts, some bind mounts).
 */
export function watchConfig(options: WatchConfigOptions): ConfigWatcher {
  const path = resolve(options.path);
  const debounceMs = options.debounceMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;

  const watchers = new Map<string, FSWatcher>();
  let lastSha = options.initialSha256;
  let lastStat: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let burstStartedAt: number | undefined;
  let checking = false;
  let recheck = false;
  let closed = false;

  const schedule = (): void => {
    if (closed) return;
    const now = Date.now();
    burstStartedAt ??= now;
    const wait = Math.max(0, Math.min(debounceMs, burstStartedAt + maxDelayMs - now));
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, wait);
  };

  const check = async (): Promise<void> => {
    burstStartedAt = undefined;
    if (checking) {
      recheck = true;
      return;
    }
    checking = true;
    try {
      await refreshWatches();
      const print = await readFingerprint();
      if (print !== undefined) {
        lastStat = print.statKey;
        if (print.sha256 !== lastSha) {
          const first = lastSha === undefined;
          lastSha = print.sha256;
          if (!first && !closed) options.onChange();
        }
      }
    } finally {
      checking = false;
      if (recheck && !closed) {
        recheck = false;
        schedule();
      }
    }
  };

  /** The file's fingerprint, or `undefined` (logged) while it is absent or unreadable. */
  const readFingerprint = async () => {
    try {
      const print = await fingerprintFile(path);
      if (print === undefined) {
        options.logger?.debug({ path }, 'config file absent; waiting for it to return');
      }
      return print;
    } catch (error) {
      // Remember its stat, so the poll does not repeat this warning until it changes.
      lastStat = await statKey(path);
      options.logger?.warn({ path, err: error }, 'cannot read config file; edits are ignored');
      return undefined;
    }
  };

  /** Watches the link's directory and its target's, dropping directories no longer involved. */
  const refreshWatches = async (): Promise<void> => {
    const wanted = new Set([dirname(path)]);
    const target = await realpath(path).catch(() => undefined);
    if (target !== undefined) wanted.add(dirname(target));

    for (const [dir, watcher] of watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (watchers.has(dir) || closed || options.useEvents === false) continue;
      try {
        const watcher = watch(dir, { persistent: false }, schedule);
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(dir);
          schedule();
        });
        watchers.set(dir, watcher);
      } catch (error) {
        options.logger?.warn({ dir, err: error }, 'cannot watch config directory; polling only');
      }
    }
  };

  const poll =
    pollIntervalMs > 0
      ? setInterval(() => {
          void statKey(path).then((key) => {
            // An event-driven check already waiting will see the change too.
            if (key !== lastStat && timer === undefined) schedule();
          });
        }, pollIntervalMs)
      : undefined;
  poll?.unref();

  const ready = check();

  return {
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
