import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './ports.mjs';
import { processTree, statusMB } from './proc-stats.mjs';
import { runPinned, stopProcess } from './processes.mjs';
import { TARGET_HOST } from './sites.mjs';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const SAMPLE_EVERY_MS = 10_000;
const CLIENTS = 8;
const RPS_PER_CLIENT = 250;

/**
 * Moderate load (HTTP/1.1 over TLS at a fixed rate) on one proxy for `--soak` minutes,
 * sampling RSS and, for Node proxies, the heap left after the latest GC (from
 * `--trace-gc` in its log) every 10 s. A flat heap means no leak.
 */
export async function runSoak({ options, ctx, proxy, track }) {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const isNode = ['nexo', 'bare', 'http-proxy'].includes(proxy.id);
  const started = proxy.start({
    ctx,
    httpPort,
    httpsPort,
    nodeFlags: isNode ? ['--trace-gc'] : [],
  });
  const untrack = track(started.proc);

  try {
    await waitForPort(httpsPort, { timeoutMs: 20_000, isAlive: started.proc.isAlive });
    const seconds = Math.round(options.soakMinutes * 60);
    const load = runPinned({
      cpu: ctx.loadCpu,
      command: 'h2load',
      args: [
        '--h1',
        `-c${CLIENTS}`,
        `--rps=${RPS_PER_CLIENT}`,
        `-D${seconds}`,
        `--connect-to=127.0.0.1:${httpsPort}`,
        `https://${TARGET_HOST}:${httpsPort}/1k`,
      ],
      timeoutMs: (seconds + 30) * 1000,
    });

    const samples = [];
    const began = performance.now();
    const sample = () => {
      const atS = (performance.now() - began) / 1000;
      const rssMB = statusMB(processTree(started.proc.pid));
      const heap = isNode ? heapAfterLastGc(started.proc.logFile) : {};
      samples.push({ atS, rssMB, ...heap });
      process.stdout.write(
        `soak ${Math.round(atS)} s: rss ${rssMB.toFixed(1)} MB, heap after last GC ` +
          `${heap.afterGcMB?.toFixed(1)} MB, after last mark-compact ` +
          `${heap.afterMarkCompactMB?.toFixed(1)} MB\n`,
      );
    };
    sample();
    const timer = setInterval(sample, SAMPLE_EVERY_MS);
    const { stdout } = await load.finally(() => clearInterval(timer));
    sample();

    const result = {
      proxy: proxy.id,
      minutes: options.soakMinutes,
      targetRps: CLIENTS * RPS_PER_CLIENT,
      startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
      summary: stdout.split('\n').filter((line) => /finished|requests:|status codes/.test(line)),
      samples,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'soak-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `${result.summary.join('\n')}\nbench: soak results in bench/results/soak-latest.json\n`,
    );
  } finally {
    await stopProcess(started.proc);
    untrack();
  }
}

/**
 * Heap in use (MB) after the latest GC of any kind and after the latest mark-compact,
 * read from a `--trace-gc` log. The first follows the live heap closely; the second
 * is what survives a full collection, the figure that grows when something leaks.
 */
export function heapAfterLastGc(logFile) {
  let text;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return { afterGcMB: Number.NaN, afterMarkCompactMB: Number.NaN };
  }
  const pattern = /(Mark-Compact|Scavenge)[^\n]*?-> ([\d.]+) \(/g;
  let afterGcMB = Number.NaN;
  let afterMarkCompactMB = Number.NaN;
  for (const match of text.matchAll(pattern)) {
    afterGcMB = Number(match[2]);
    if (match[1] === 'Mark-Compact') afterMarkCompactMB = afterGcMB;
  }
  return { afterGcMB, afterMarkCompactMB };
}
