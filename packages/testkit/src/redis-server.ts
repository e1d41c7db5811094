import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagedChild, startChild } from './child-process.js';
import { findFreePort } from './free-port.js';
import { waitUntil } from './wait.js';

/** A real `redis-server` on 127.0.0.1 with its own data directory. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The server's data directory (append-only file when persistent). */
  readonly dir: string;
  /** Kills the server by PID (SIGKILL when `crash`, else SIGTERM) and waits for it. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Append-only file with an fsync per write, so a killed and restarted server keeps
   * every acknowledged write. Off by default: nothing is written to disk.
   */
  persistent?: boolean;
  /** How long to wait for the server to accept connections, default 10 s. */
  startTimeoutMs?: number;
}

const START_ATTEMPTS = 3;
const REDIS_SERVER = 'redis-server';

/**
 * Starts Debian's `redis-server` on a free loopback port. Readiness is its own "Ready to
 * accept connections" line, which it prints only after binding the port.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-redis-'));
  const persistent = options.persistent === true;
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ManagedChild | undefined;
  let port = 0;
  let lastError: unknown;

  for (let attempt = 1; attempt <= START_ATTEMPTS && child === undefined; attempt++) {
    try {
      // A port taken between findFreePort() and the bind: try another one.
      port = await findFreePort();
      child = await startOnce(port, dir, persistent, timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  if (child === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`redis-server did not start after ${START_ATTEMPTS} attempts`, {
      cause: lastError,
    });
  }

  const stop = async (stopOptions?: { crash?: boolean }) => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    if (stopOptions?.crash === true && running.process.exitCode === null) {
      process.kill(running.pid, 'SIGKILL');
    }
    await running.stop();
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    async start() {
      if (child !== undefined) return;
      child = await startOnce(port, dir, persistent, timeoutMs);
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startOnce(
  port: number,
  dir: string,
  persistent: boolean,
  timeoutMs: number,
): Promise<ManagedChild> {
  const child = startChild(REDIS_SERVER, [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--daemonize', 'no', '--loglevel', 'notice'],
    ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ]);

  try {
    await waitUntil(
      'redis-server',
      async () => /Ready to accept connections/.test(child.output()),
      {
        timeoutMs,
        intervalMs: 20,
        abortIf: () => (child.process.exitCode !== null ? `exited:\n${child.output()}` : undefined),
      },
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}
