import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Facts about the machine and tool versions, for the report. */
export function describeMachine() {
  return {
    nproc: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    memoryGB: Math.round(os.totalmem() / 1e9),
    loadavg: os.loadavg(),
    versions: {
      node: process.version,
      nginx: firstLine(['nginx', '-v']),
      haproxy: firstLine(['haproxy', '-v']),
      caddy: firstLine(['caddy', 'version']),
      wrk: firstLine(['wrk', '-v']),
      h2load: firstLine(['h2load', '--version']),
      openssl: firstLine(['openssl', 'version']),
    },
    nexoCommit: firstLine(['git', 'rev-parse', '--short', 'HEAD']),
  };
}

/** Tools the bench runs; a missing one means bench/install.sh has not been run. */
export function missingTools() {
  const tools = ['nginx', 'haproxy', 'caddy', 'wrk', 'h2load', 'openssl', 'taskset', 'unshare'];
  return tools.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`], {
        stdio: 'ignore',
      });
      return false;
    } catch {
      return true;
    }
  });
}

function firstLine(argv) {
  try {
    const [command, ...args] = argv;
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.split('\n')[0].trim() || 'unknown';
  } catch (error) {
    // nginx -v prints to stderr and wrk -v exits 1: take whatever they printed.
    const text = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    return text.split('\n')[0].trim() || 'unknown';
  }
}
