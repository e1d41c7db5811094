import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * Starts `command` pinned to one CPU with taskset (which execs it, so the pid is the
 * command's own). stdout and stderr go to `logFile`. The child leads its own process
 * group so that stopping it also reaches workers it forked.
 * @param {{ cpu: number, command: string, args: string[], logFile: string,
 *   env?: NodeJS.ProcessEnv, cwd?: string }} options
 */
export function startPinned(options) {
  const log = openSync(options.logFile, 'a');
  const child = spawn('taskset', ['-c', String(options.cpu), options.command, ...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let alive = true;
  exited.then(() => {
    alive = false;
  });
  return { child, pid: child.pid, exited, isAlive: () => alive, logFile: options.logFile };
}

/**
 * Stops a process started with `startPinned`: SIGTERM to its group, then SIGKILL after
 * `graceMs`. Resolves when the leader has exited.
 * @param {{ pid: number, exited: Promise<unknown>, isAlive: () => boolean }} proc
 */
export async function stopProcess(proc, graceMs = 3000) {
  if (!proc.isAlive()) return;

  signalGroup(proc.pid, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs, 'timeout'));
  if ((await Promise.race([proc.exited, timer])) === 'timeout') {
    signalGroup(proc.pid, 'SIGKILL');
    await proc.exited;
  }
  // Workers of a master that exited first (nginx) share the group: make sure they go too.
  signalGroup(proc.pid, 'SIGKILL');
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/**
 * Runs a command to completion, pinned to `cpu`, and returns its output and pid.
 * Killed with SIGKILL after `timeoutMs` so that no run is unbounded.
 * @param {{ cpu: number, command: string, args: string[], timeoutMs: number,
 *   onStart?: (pid: number) => void }} options
 */
export function runPinned(options) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(options.cpu), options.command, ...options.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('spawn', () => options.onStart?.(child.pid));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr, pid: child.pid });
      else {
        const what = `${options.command} ${options.args.join(' ')}`;
        reject(new Error(`${what} exited with ${code ?? signal}: ${stderr.slice(-500)}`));
      }
    });
  });
}
