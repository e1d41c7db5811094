import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * The pid and every descendant (nginx and haproxy fork workers).
 * @param {number} rootPid
 * @returns {number[]}
 */
export function processTree(rootPid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) parents.set(Number(entry), stat.ppid);
  }

  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** user + system CPU seconds used by the given processes so far. */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) ticks += stat.utime + stat.stime;
  }
  return ticks / CLOCK_TICKS;
}

/** Sum of VmRSS (or another `/proc/<pid>/status` kB field) in MB (10^6 bytes). */
export function statusMB(pids, field = 'VmRSS') {
  let kb = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
      if (match) kb += Number(match[1]);
    } catch {
      // The process exited between listing and reading: it holds no memory any more.
    }
  }
  return (kb * 1024) / 1e6;
}

function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
}

/**
 * Samples the RSS of a process tree every `intervalMs` until stopped; the peak is the
 * largest sampled sum, or the kernel's high-water mark (VmHWM) when that is larger,
 * which catches spikes between samples.
 * @param {number[]} pids
 * @param {number} intervalMs
 */
export function startRssSampler(pids, intervalMs = 100) {
  let peak = statusMB(pids);
  const timer = setInterval(() => {
    peak = Math.max(peak, statusMB(pids));
  }, intervalMs);

  return {
    stop() {
      clearInterval(timer);
      const hwm = statusMB(pids, 'VmHWM');
      return Math.max(peak, pids.length === 1 ? hwm : 0);
    },
  };
}

/**
 * Busy share (0-100) of one CPU between two snapshots of /proc/stat, taken with
 * `cpuTimes()`: shows whether the load side saturated its CPU or something else ran.
 */
export function busyPercent(before, after, cpu) {
  const a = before[cpu];
  const b = after[cpu];
  if (!a || !b) return Number.NaN;
  const total = b.total - a.total;
  return total > 0 ? (1 - (b.idle - a.idle) / total) * 100 : Number.NaN;
}

/** Per-CPU jiffies from /proc/stat: `[{ total, idle }]` indexed by CPU number. */
export function cpuTimes() {
  const times = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = line.match(/^cpu(\d+) (.*)$/);
    if (!match) continue;
    const values = match[2].trim().split(/\s+/).map(Number);
    const idle = values[3] + values[4];
    times[Number(match[1])] = { total: values.reduce((sum, v) => sum + v, 0), idle };
  }
  return times;
}
