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
 * Shares (0-100) of one CPU's time between two snapshots of /proc/stat taken with
 * `cpuTimes()`: `busy` is everything but idle; `tasks` is user + nice + system time
 * (processes); `softirq` is irq + softirq, where the kernel moves loopback packets,
 * work done on behalf of the traffic that no process is charged for.
 */
export function cpuShares(before, after, cpu) {
  const a = before[cpu];
  const b = after[cpu];
  const total = a && b ? b.total - a.total : 0;
  if (total <= 0) return { busy: Number.NaN, tasks: Number.NaN, softirq: Number.NaN };
  const share = (field) => ((b[field] - a[field]) / total) * 100;
  return { busy: 100 - share('idle'), tasks: share('tasks'), softirq: share('softirq') };
}

/** Per-CPU jiffies from /proc/stat, indexed by CPU number. */
export function cpuTimes() {
  const times = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = line.match(/^cpu(\d+) (.*)$/);
    if (!match) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2]
      .trim()
      .split(/\s+/)
      .map(Number);
    times[Number(match[1])] = {
      total: user + nice + system + idle + iowait + irq + softirq + steal,
      idle: idle + iowait,
      tasks: user + nice + system,
      softirq: irq + softirq,
    };
  }
  return times;
}

/** CPU ticks of every process now, with its parent: `Map<pid, { ticks, ppid }>`. */
export function cpuSnapshot() {
  const snapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) snapshot.set(Number(entry), { ticks: stat.utime + stat.stime, ppid: stat.ppid });
  }
  return snapshot;
}

/**
 * CPU seconds that processes outside `excluded` used between two snapshots: other
 * people's work competing with the bench. Kernel threads (children of kthreadd, pid 2)
 * are left out: they move the bench's own packets.
 */
export function foreignCpuSeconds(before, after, excluded) {
  let ticks = 0;
  for (const [pid, { ticks: now, ppid }] of after) {
    if (excluded.has(pid) || pid === 2 || ppid === 2) continue;
    ticks += now - (before.get(pid)?.ticks ?? 0);
  }
  return ticks / CLOCK_TICKS;
}
