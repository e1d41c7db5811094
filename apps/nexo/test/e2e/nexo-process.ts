import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built CLI, as a user runs it. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface LogEntry {
  msg?: string;
  level?: number | string;
  [field: string]: unknown;
}

/** `nexo server` running as a separate process, with its JSON log lines collected. */
export interface NexoProcess {
  readonly child: ChildProcess;
  /** The HTTPS port it listens on, read from its `listening` log line. */
  readonly httpsPort: number;
  readonly logs: LogEntry[];
  /** Raw output, for failure messages. */
  output(): string;
  /** Resolves with the first log line matching `predicate` (past lines included). */
  waitForLog(predicate: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Spawns `node dist/cli.js server --config <path>` and waits until it listens. */
export async function startNexo(configPath: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, 'server', '--config', configPath], {
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const logs: LogEntry[] = [];
  let raw = '';
  let pending = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogEntry);
      } catch {
        // Not a log line (should not happen with log.format json); kept in `raw`.
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
  });
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });

  const waitForLog = (predicate: (entry: LogEntry) => boolean, timeoutMs = 60_000) =>
    new Promise<LogEntry>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found !== undefined) return finish(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          return finish(() => reject(new Error(`nexo exited (${child.exitCode}):\n${raw}`)));
        }
      };
      const timer = setTimeout(() => {
        finish(() => reject(new Error(`log line not seen in ${timeoutMs} ms:\n${raw}`)));
      }, timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const stop = async (timeoutMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    return child.exitCode;
  };

  try {
    const listening = await waitForLog((entry) => entry.msg === 'listening', 30_000);
    const address = String(listening.https);
    const httpsPort = Number(address.slice(address.lastIndexOf(':') + 1));
    return { child, httpsPort, logs, output: () => raw, waitForLog, stop } satisfies NexoProcess;
  } catch (error) {
    await stop();
    throw error;
  }
}
