import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real `redis-server` on 127.0.0.1 for one test file, killed by PID in `stop()`. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL when `crash`, else SIGTERM) and waits for it to exit. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Append-only file with fsync on every write, so a killed and restarted server keeps
   * every acknowledged write. Off by default: nothing is written to disk.
   */
  persistent?: boolean;
}

const REDIS_SERVER = '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;

// A test that fails before dispose() must still not leave a server on the shared machine.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
});

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = await spawnRedis(port, dir, options.persistent === true);
  };
  const stop = async (stopOptions?: { crash?: boolean }) => {
    if (child === undefined) return;
    await killAndWait(child, stopOptions?.crash === true ? 'SIGKILL' : 'SIGTERM');
    child = undefined;
  };

  // The free port is released before redis binds it; another process may win the race.
  for (let attempt = 1; ; attempt++) {
    port = await findFreePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function spawnRedis(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--daemonize', 'no', '--loglevel', 'notice');
  if (persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');

  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });

  try {
    await waitFor(() => output.includes('Ready to accept connections'), child, START_TIMEOUT_MS);
  } catch (error) {
    await killAndWait(child, 'SIGKILL');
    throw new Error(`redis-server on port ${port} did not start: ${output.slice(-2000)}`, {
      cause: error,
    });
  }
  return child;
}

function waitFor(ready: () => boolean, child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      if (ready()) resolve();
      else if (child.exitCode !== null) reject(new Error(`exited with ${child.exitCode}`));
      else if (Date.now() > deadline) reject(new Error('timed out'));
      else setTimeout(check, 20);
    };
    check();
  });
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid !== undefined) process.kill(child.pid, signal);
  await exited;
}

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port read back');
  return address.port;
}
