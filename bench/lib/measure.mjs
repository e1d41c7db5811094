import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from './load.mjs';
import { freePort, waitForPort, waitForResponse } from './ports.mjs';
import {
  cpuSeconds,
  cpuShares,
  cpuSnapshot,
  cpuTimes,
  foreignCpuSeconds,
  processTree,
  startRssSampler,
  statusMB,
} from './proc-stats.mjs';
import { stopProcess } from './processes.mjs';
import { TARGET_HOST } from './sites.mjs';

/** Time the proxy gets after it first answers before its idle RSS is read. */
const SETTLE_MS = 1000;
/** Time after the load before the "after load" RSS is read. */
const AFTER_LOAD_MS = 2000;

/**
 * One measured run with a fresh proxy process: start it, time how long until it
 * listens, read idle RSS, warm it up, then run the measured load while sampling its
 * RSS and CPU, and read RSS again once the load has stopped.
 * @param {{ proxy: object, scenario: object, ctx: object, durationS: number,
 *   warmupS: number, nodeFlags?: string[], track: (proc: object) => () => void }} options
 */
export async function measureRun(options) {
  const { proxy, scenario, ctx } = options;
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const port = scenario.tls ? httpsPort : httpPort;

  const startedAt = performance.now();
  const started = proxy.start({ ctx, httpPort, httpsPort, nodeFlags: options.nodeFlags });
  const untrack = options.track(started.proc);
  try {
    await waitForPort(port, { timeoutMs: 20_000, isAlive: started.proc.isAlive });
    const coldStartMs = performance.now() - startedAt;
    await waitForResponse({
      port,
      tls: scenario.tls,
      host: TARGET_HOST,
      path: '/1k',
      timeoutMs: 20_000,
      isAlive: started.proc.isAlive,
    });
    const firstResponseMs = performance.now() - startedAt;

    await sleep(SETTLE_MS);
    const idleMB = statusMB(processTree(started.proc.pid));

    const load = { scenario, ctx, httpPort, httpsPort };
    const warm = options.warmupS > 0 ? await runLoad({ ...load, durationS: options.warmupS }) : {};

    const pids = processTree(started.proc.pid);
    const sampler = startRssSampler(pids);
    const everyoneBefore = cpuSnapshot();
    const cpuBefore = cpuSeconds(pids);
    const timesBefore = cpuTimes();
    const wallBefore = performance.now();
    const loadavgBefore = loadavg()[0];
    let loadPid;
    const result = await runLoad({
      ...load,
      durationS: options.durationS,
      rateHint: warm.rps,
      onStart: (pid) => {
        loadPid = pid;
      },
    });
    const wallS = (performance.now() - wallBefore) / 1000;
    const proxyCpuPct = ((cpuSeconds(pids) - cpuBefore) / wallS) * 100;
    const timesAfter = cpuTimes();
    const ours = new Set([...pids, ...processTree(process.pid), loadPid]);
    const foreignCpuPct = (foreignCpuSeconds(everyoneBefore, cpuSnapshot(), ours) / wallS) * 100;
    const peakMB = sampler.stop();

    if (!started.proc.isAlive()) throw new Error(`${proxy.id} exited during the load`);
    await sleep(AFTER_LOAD_MS);
    const afterMB = statusMB(processTree(started.proc.pid));

    return {
      proxy: proxy.id,
      scenario: scenario.id,
      ...result,
      coldStartMs,
      firstResponseMs,
      idleMB,
      peakMB,
      afterMB,
      proxyCpuPct,
      proxyCpuBusyPct: cpuShares(timesBefore, timesAfter, ctx.proxyCpu).busy,
      proxyCpuSoftirqPct: cpuShares(timesBefore, timesAfter, ctx.proxyCpu).softirq,
      loadCpuBusyPct: cpuShares(timesBefore, timesAfter, ctx.loadCpu).busy,
      foreignCpuPct,
      loadavg: [loadavgBefore, loadavg()[0]],
      proxyCommand: started.command,
      configFile: started.configFile,
    };
  } finally {
    await stopProcess(started.proc);
    untrack();
  }
}
