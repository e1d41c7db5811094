import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runPinned } from './processes.mjs';
import { TARGET_HOST } from './sites.mjs';

/**
 * Runs one bounded load against a proxy and parses the generator's report.
 * @param {{ scenario: object, ctx: object, httpPort: number, httpsPort: number,
 *   durationS: number, rateHint?: number, onStart?: (pid: number) => void }} options
 * @returns {Promise<{ rps: number, p50Ms: number, p99Ms: number, requests: number,
 *   errors: number, note?: string, command: string }>}
 */
export function runLoad(options) {
  const { scenario } = options;
  if (scenario.tool === 'wrk') return wrk(options);
  if (scenario.tool === 'h2load') return h2load(options);
  return handshakes(options);
}

async function wrk({ scenario, ctx, httpPort, httpsPort, durationS, onStart }) {
  const url = scenario.tls
    ? `https://${TARGET_HOST}:${httpsPort}${scenario.path}`
    : `http://${TARGET_HOST}:${httpPort}${scenario.path}`;
  const wrkArgs = ['-t1', `-c${scenario.connections}`, `-d${durationS}s`, '--latency', url];
  // wrk sends the URL's host as SNI and resolves it with getaddrinfo: a private mount
  // namespace maps the bench host names to 127.0.0.1 without touching /etc/hosts.
  const script = 'mount --bind "$1" /etc/hosts && shift && exec "$@"';
  const { stdout } = await runPinned({
    cpu: ctx.loadCpu,
    command: 'unshare',
    args: ['-m', 'sh', '-c', script, 'sh', ctx.hostsFile, 'wrk', ...wrkArgs],
    timeoutMs: (durationS + 15) * 1000,
    onStart,
  });
  return { ...parseWrk(stdout), command: `wrk ${wrkArgs.join(' ')}` };
}

/** Parses wrk's text report (`--latency`). */
export function parseWrk(text) {
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const requests = Number(text.match(/(\d+) requests in/)?.[1]);
  const non2xx = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const socket = text.match(/connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  if (!Number.isFinite(rps)) throw new Error(`could not read wrk output:\n${text}`);
  const read = text.match(/requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read/);
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
  const bytesRead = read ? Number(read[1]) * unit[read[2]] : Number.NaN;
  return {
    rps,
    requests,
    // Headers included, and wrk rounds "MB read" to two decimals.
    bytesPerResponse: bytesRead / requests,
    bytesIncludeHeaders: true,
    p50Ms: latencyMs(text, '50%'),
    p99Ms: latencyMs(text, '99%'),
    errors: non2xx + socketErrors,
  };
}

function latencyMs(text, percentile) {
  const match = text.match(new RegExp(`^\\s+${percentile}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
  if (!match) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000 }[match[2]];
  return Number(match[1]) * scale;
}

async function h2load({ scenario, ctx, httpsPort, durationS, onStart }) {
  const logFile = path.join(ctx.workDir, `h2load-${process.hrtime.bigint()}.log`);
  const args = [
    '-t1',
    `-c${scenario.connections}`,
    `-m${scenario.streams}`,
    `-D${durationS}`,
    `--connect-to=127.0.0.1:${httpsPort}`,
    `--log-file=${logFile}`,
    `https://${TARGET_HOST}:${httpsPort}${scenario.path}`,
  ];
  const { stdout } = await runPinned({
    cpu: ctx.loadCpu,
    command: 'h2load',
    args,
    timeoutMs: (durationS + 15) * 1000,
    onStart,
  });

  const latencies = readH2loadLog(logFile);
  rmSync(logFile, { force: true });
  const shown = args.filter((arg) => !arg.startsWith('--log-file'));
  return { ...parseH2load(stdout, latencies), command: `h2load ${shown.join(' ')} --log-file=…` };
}

/** Parses h2load's summary; latencies (ms, sorted) come from its per-request log. */
export function parseH2load(text, latenciesMs) {
  const rps = Number(text.match(/finished in [\d.]+\w+, ([\d.]+) req\/s/)?.[1]);
  const counts = text.match(
    /requests: \d+ total, \d+ started, (\d+) done, \d+ succeeded, (\d+) failed, \d+ errored, (\d+) timeout/,
  );
  const codes = text.match(/status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx/);
  if (!Number.isFinite(rps) || !counts) throw new Error(`could not read h2load output:\n${text}`);
  const protocol = text.match(/Application protocol: (\S+)/)?.[1];
  const done = Number(counts[1]);
  const data = Number(text.match(/traffic: .*?, ([\d.]+\w*) \((\d+)\) data/)?.[2]);
  // "failed" already includes errored streams; 4xx/5xx answers are failures for us too.
  const failed = Number(counts[2]) + Number(counts[3]);
  const badStatus = codes ? Number(codes[1]) + Number(codes[2]) : 0;
  return {
    rps,
    requests: done,
    p50Ms: quantile(latenciesMs, 0.5),
    p99Ms: quantile(latenciesMs, 0.99),
    errors: Math.max(failed, badStatus),
    bytesPerResponse: data / done,
    tls: [text.match(/TLS Protocol: (\S+)/)?.[1], text.match(/Cipher: (\S+)/)?.[1]]
      .filter(Boolean)
      .join(' '),
    note: protocol === 'h2' ? undefined : `negotiated ${protocol ?? 'nothing'}, not h2`,
  };
}

function readH2loadLog(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const latencies = [];
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
  }
  return latencies.sort((a, b) => a - b);
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * New TLS connections per second: h2load over HTTP/1.1 with `Connection: close`, so each
 * request needs a fresh connection and a full handshake (h2load keeps no session cache).
 * h2load's timed mode does not reconnect, so the request count is sized from the rate
 * seen in the warm-up (`rateHint`) to last about `durationS`; the timeout still bounds it.
 */
async function handshakes({ scenario, httpsPort, ctx, durationS, rateHint, onStart }) {
  const count = Math.max(200, Math.round((rateHint ?? 1000) * durationS));
  const args = [
    '--h1',
    '-H',
    'Connection: close',
    '-t1',
    `-c${scenario.connections}`,
    `-n${count}`,
    `--connect-to=127.0.0.1:${httpsPort}`,
    `https://${TARGET_HOST}:${httpsPort}${scenario.path}`,
  ];
  const { stdout } = await runPinned({
    cpu: ctx.loadCpu,
    command: 'h2load',
    args,
    timeoutMs: (durationS * 3 + 15) * 1000,
    onStart,
  });
  const result = parseH2load(stdout, []);
  const connectMeanMs = connectTimeMs(stdout);
  const quoted = args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg));
  // --h1 is intended here: no "not h2" note.
  return { ...result, note: undefined, connectMeanMs, command: `h2load ${quoted.join(' ')}` };
}

/** Mean of h2load's "time for connect" (TCP + TLS handshake), in ms. */
function connectTimeMs(text) {
  const match = text.match(/time for connect:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/);
  if (!match) return Number.NaN;
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]];
}
