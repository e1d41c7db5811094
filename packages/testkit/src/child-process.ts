import { type ChildProcess, spawn } from 'node:child_process';

/** A started child process whose output is kept for error messages. */
export interface ManagedChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far (last 64 KiB). */
  output(): string;
  /** Resolves with the exit code (or signal) once the child has exited. */
  readonly exited: Promise<string>;
  /** Kills the child by PID and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

const MAX_OUTPUT_CHARS = 64 * 1024;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Spawns a long-running helper (Pebble, challtestsrv) that is killed by PID when
 * `stop()` is called, and in any case when this process exits, so a failed test never
 * leaves a server behind on the shared machine.
 */
export function startChild(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ManagedChild {
  installExitHook();

  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    throw new Error(`could not start ${command}: is it installed and on PATH?`);
  }
  running.add(child);

  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? String(code));
    });
    child.once('error', (error) => {
      running.delete(child);
      resolve(`error: ${error.message}`);
    });
  });

  const pid = child.pid;
  return {
    pid,
    process: child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
      }
      await exited;
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;

  process.once('exit', killAll);

  // Ctrl-C on `pnpm demo` must not orphan Pebble. Only when nobody else handles the
  // signal: kill the children, then let the signal do what it would have done.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function killAll(): void {
  for (const child of running) {
    if (child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone: nothing to clean up.
      }
    }
  }
}
