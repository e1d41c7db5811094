import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagedChild, startChild } from './child-process.js';
import { findFreePort } from './free-port.js';
import { createListenerCert } from './listener-cert.js';
import { waitUntil } from './wait.js';

/** A real `redis-server` on 127.0.0.1 with its own data directory. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, or `rediss://` with `tls`. */
  readonly url: string;
  /** With `tls`: the CA that signed the server's certificate (for 127.0.0.1). */
  readonly caCertPem: string | undefined;
  /** The server's data directory (append-only file when persistent). */
  readonly dir: string;
  /** Kills the server by PID (SIGKILL when `crash`, else SIGTERM) and waits for it. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/** How {@link startRedisServer} runs the server. */
export interface RedisServerOptions {
  /**
   * Append-only file with an fsync per write, so a killed and restarted server keeps
   * every acknowledged write. Off by default: nothing is written to disk.
   */
  persistent?: boolean;
  /** Serve TLS only, with a certificate from a fresh throwaway CA; no client certificates. */
  tls?: boolean;
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
  const cert = options.tls === true ? await createListenerCert(dir) : undefined;
  const tlsArgs =
    cert === undefined
      ? []
      : [
          '--tls-cert-file',
          cert.certFile,
          '--tls-key-file',
          cert.keyFile,
          '--tls-auth-clients',
          'no',
        ];
  const settings = { dir, persistent: options.persistent === true, tlsArgs };
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ManagedChild | undefined;
  let port = 0;
  let lastError: unknown;

  for (let attempt = 1; attempt <= START_ATTEMPTS && child === undefined; attempt++) {
    try {
      // A port taken between findFreePort() and the bind: try another one.
      port = await findFreePort();
      child = await startOnce(port, settings, timeoutMs);
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
    url: `${cert === undefined ? 'redis' : 'rediss'}://127.0.0.1:${port}`,
    caCertPem: cert?.caCertPem,
    dir,
    stop,
    async start() {
      if (child !== undefined) return;
      child = await startOnce(port, settings, timeoutMs);
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface ServerSettings {
  dir: string;
  persistent: boolean;
  tlsArgs: string[];
}

async function startOnce(
  port: number,
  { dir, persistent, tlsArgs }: ServerSettings,
  timeoutMs: number,
): Promise<ManagedChild> {
  // With TLS, the plain port is off (0) and the free port serves TLS only.
  const ports =
    tlsArgs.length === 0 ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port)];
  const child = startChild(REDIS_SERVER, [
    ...ports,
    ...tlsArgs,
    ...['--bind', '127.0.0.1', '--dir', dir],
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
