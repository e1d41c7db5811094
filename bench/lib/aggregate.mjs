import { shortBodyWarning } from './body-check.mjs';
import { scenarioById } from './scenarios.mjs';
import { median, range, spreadPercent } from './stats.mjs';

/**
 * Reduces repeated runs to one row per scenario and proxy: medians, with the range and
 * spread of requests/s, and the worst peak RSS.
 * @param {object[]} runs
 */
export function aggregateRuns(runs) {
  const groups = new Map();
  for (const run of runs) {
    const key = `${run.scenario}\u0000${run.proxy}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(run);
  }

  const rows = [];
  for (const group of groups.values()) {
    const pick = (field) => group.map((run) => run[field]);
    const cpuUsPerReq = group.map((run) => (run.proxyCpuPct / 100 / run.rps) * 1e6);
    rows.push({
      scenario: group[0].scenario,
      proxy: group[0].proxy,
      reps: group.length,
      rps: median(pick('rps')),
      rpsRange: range(pick('rps')),
      rpsSpreadPct: spreadPercent(pick('rps')),
      p50Ms: median(pick('p50Ms')),
      p99Ms: median(pick('p99Ms')),
      connectMeanMs: median(pick('connectMeanMs')),
      proxyCpuPct: median(pick('proxyCpuPct')),
      cpuUsPerReq: median(cpuUsPerReq),
      loadCpuBusyPct: median(pick('loadCpuBusyPct')),
      proxyCpuBusyPct: median(pick('proxyCpuBusyPct')),
      proxyCpuSoftirqPct: median(pick('proxyCpuSoftirqPct')),
      foreignCpuPct: median(pick('foreignCpuPct')),
      idleMB: median(pick('idleMB')),
      peakMB: Math.max(...pick('peakMB')),
      afterMB: median(pick('afterMB')),
      afterMinusIdleMB: Math.max(...group.map((run) => run.afterMB - run.idleMB)),
      coldStartMs: median(pick('coldStartMs')),
      firstResponseMs: median(pick('firstResponseMs')),
      errors: pick('errors').reduce((sum, n) => sum + (n || 0), 0),
      requests: pick('requests').reduce((sum, n) => sum + (n || 0), 0),
      notes: [
        ...new Set([
          ...pick('note').filter(Boolean),
          ...group.map((run) => shortBodyWarning(run, scenarioById(run.scenario))).filter(Boolean),
        ]),
      ],
      command: group[0].command,
      proxyCommand: group[0].proxyCommand,
      configFile: group[group.length - 1].configFile,
    });
  }
  return rows;
}

/** Footprint per proxy over all its runs: idle, worst peak, worst growth, start time. */
export function footprint(runs, proxy) {
  const own = runs.filter((run) => run.proxy === proxy);
  if (own.length === 0) return undefined;
  return {
    proxy,
    idleMB: median(own.map((run) => run.idleMB)),
    peakMB: Math.max(...own.map((run) => run.peakMB)),
    peakScenario: own.reduce((a, b) => (b.peakMB > a.peakMB ? b : a)).scenario,
    afterMB: median(own.map((run) => run.afterMB)),
    afterMinusIdleMB: Math.max(...own.map((run) => run.afterMB - run.idleMB)),
    coldStartMs: median(own.map((run) => run.coldStartMs)),
    coldStartRange: range(own.map((run) => run.coldStartMs)),
    firstResponseMs: median(own.map((run) => run.firstResponseMs)),
    firstResponseRange: range(own.map((run) => run.firstResponseMs)),
  };
}

/** The aggregated row for one scenario and proxy, if it ran. */
export function rowFor(rows, scenario, proxy) {
  return rows.find((row) => row.scenario === scenario && row.proxy === proxy);
}
