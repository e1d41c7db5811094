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
      const heapUsedMB = isNode ? heapAfterLastGc(started.proc.logFile) : Number.NaN;
      samples.push({ atS, rssMB, heapUsedMB });
      process.stdout.write(
        `soak ${Math.round(atS)} s: rss ${rssMB.toFixed(1)} MB, heap ${heapUsedMB.toFixed(1)} MB\n`,
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

/** Heap in MB after the latest mark-compact in a `--trace-gc` log (else any GC). */
export function heapAfterLastGc(logFile) {
  let text;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return Number.NaN;
  }
  const pattern = /(Mark-Compact|Scavenge)[^\n]*?-> ([\d.]+) \(/g;
  let lastMark = Number.NaN;
  let lastAny = Number.NaN;
  for (const match of text.matchAll(pattern)) {
    lastAny = Number(match[2]);
    if (match[1] === 'Mark-Compact') lastMark = lastAny;
  }
  return Number.isFinite(lastMark) ? lastMark : lastAny;
}
