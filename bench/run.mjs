/**
 * `pnpm bench`: Nexo side by side with nginx, haproxy, Caddy, http-proxy and a bare
 * node:http + undici forwarder, one CPU each, on loopback only. Writes
 * docs/benchmarks.md and docs/benchmarks.svg. See `node bench/run.mjs --help`.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/args.mjs';
import { createCertificates } from './lib/certs.mjs';
import { profileNexo } from './lib/cpu-profile.mjs';
import { describeMachine, missingTools } from './lib/machine.mjs';
import { measureRun } from './lib/measure.mjs';
import { startOrigin } from './lib/origin.mjs';
import { freePort, waitForPort } from './lib/ports.mjs';
import { stopProcess } from './lib/processes.mjs';
import { PROXIES } from './lib/proxies/index.mjs';
import { writeReport } from './lib/report.mjs';
import { SCENARIOS, scenarioById } from './lib/scenarios.mjs';
import { allHosts, buildSites, TARGET_HOST } from './lib/sites.mjs';
import { runSoak } from './lib/soak.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROXY_CPU = 1;
const LOAD_CPU = 0;

const live = new Set();

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const missing = missingTools();
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run bench/install.sh as root first`);
  }
  if (os.cpus().length < 2) throw new Error('the bench needs 2 CPUs: proxy on CPU 1, load on 0');

  // The orchestrator samples /proc while the proxy works: keep it off the proxy's CPU.
  execFileSync('taskset', ['-a', '-p', '-c', String(LOAD_CPU), String(process.pid)], {
    stdio: 'ignore',
  });

  const ctx = prepare();
  ctx.keep = options.keep;
  ctx.originPort = await freePort();
  let failed = true;
  try {
    const origin = startOrigin({ workDir: ctx.workDir, port: ctx.originPort, cpu: LOAD_CPU });
    track(origin.proc);
    await waitForPort(ctx.originPort, { timeoutMs: 10_000, isAlive: origin.proc.isAlive });
    ctx.originConfigFile = origin.configFile;

    if (options.soakMinutes > 0) {
      await runSoak({ options, ctx, proxy: pickProxies(options)[0], track });
      failed = false;
    } else {
      const { skipped } = await runMatrix({ options, ctx });
      failed = skipped.length > 0;
    }
  } finally {
    await stopAll();
    if (!failed && !options.keep) rmSync(ctx.workDir, { recursive: true, force: true });
    else process.stderr.write(`bench: logs and configs kept in ${ctx.workDir}\n`);
  }
}

function prepare() {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'nexo-bench-'));
  // nginx workers run as nobody: they must be able to reach the origin's files.
  chmodSync(workDir, 0o755);
  const certDir = path.join(workDir, 'certs');
  mkdirSync(certDir, { mode: 0o700 });
  const sites = buildSites(certDir);
  const keyType = 'ec256';
  const { haproxyDir } = createCertificates({ workDir, sites, keyType });

  const hostsFile = path.join(workDir, 'hosts');
  writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${TARGET_HOST}\n`);
  return {
    workDir,
    certDir,
    sites,
    keyType,
    haproxyCertDir: haproxyDir,
    hostsFile,
    originPort: 0,
    proxyCpu: PROXY_CPU,
    loadCpu: LOAD_CPU,
    routeCount: allHosts(sites).length,
  };
}

async function runMatrix({ options, ctx }) {
  const proxies = pickProxies(options);
  const scenarios = options.scenarios.length ? options.scenarios.map(scenarioById) : SCENARIOS;
  const machine = describeMachine();
  const runs = [];
  const skipped = [];
  const startedAt = new Date();

  for (const scenario of scenarios) {
    for (let rep = 0; rep < options.reps; rep++) {
      // Rotate the order each repetition so that no proxy always runs first or last.
      const order = proxies.map((_, i) => proxies[(i + rep) % proxies.length]);
      for (const proxy of order) {
        if (!proxy.scenarios.includes(scenario.id)) continue;
        const run = await measureOne({ proxy, scenario, ctx, options, rep });
        if (run.error) skipped.push(run);
        else runs.push(run);
      }
    }
  }

  const withNexo = proxies.some((proxy) => proxy.id === 'nexo');
  const profile =
    options.profile && withNexo ? await profileNexo({ ctx, options, track }) : undefined;
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    loadavgAfter: os.loadavg(),
    options,
    machine,
    ctx: { routeCount: ctx.routeCount, certCount: ctx.sites.length, keyType: ctx.keyType },
    proxies: proxies.map((p) => ({ id: p.id, scenarios: p.scenarios })),
    scenarios,
    runs,
    skipped,
    profile,
    configs: collectConfigs(runs, ctx),
  };
  saveResults(results);

  const full = options.scenarios.length === 0 && proxies.length === PROXIES.length;
  if (options.writeDoc && full) writeReport({ results, root: ROOT });
  else process.stdout.write('bench: partial run, docs/benchmarks.md left as it was\n');
  return { skipped };
}

/** The config text each proxy ran with (its last run), with the temp dir as `$WORK`. */
function collectConfigs(runs, ctx) {
  const files = new Map();
  for (const run of runs) files.set(run.proxy, run.configFile);
  files.set('origin (nginx)', ctx.originConfigFile);
  const configs = {};
  for (const [name, file] of files) {
    if (!file || !existsSync(file)) continue;
    configs[name] = {
      file: path.basename(file),
      text: readFileSync(file, 'utf8').replaceAll(ctx.workDir, '$WORK'),
    };
  }
  return configs;
}

async function measureOne({ proxy, scenario, ctx, options, rep }) {
  const label = `${scenario.id} ${proxy.id} #${rep + 1}`;
  try {
    const nodeFlags = proxy.id === 'nexo' ? options.nexoNodeFlags : [];
    const run = await measureRun({
      proxy,
      scenario,
      ctx,
      ...durations(options),
      nodeFlags,
      track,
    });
    run.rep = rep;
    process.stdout.write(`${label}: ${formatRun(run)}\n`);
    return run;
  } catch (error) {
    process.stdout.write(`${label}: FAILED ${error.message}\n`);
    return { proxy: proxy.id, scenario: scenario.id, rep, error: error.message };
  }
}

function durations(options) {
  return { durationS: options.durationS, warmupS: options.warmupS };
}

function formatRun(run) {
  const parts = [
    `${Math.round(run.rps)} req/s`,
    `p50 ${run.p50Ms?.toFixed(2)} ms`,
    `p99 ${run.p99Ms?.toFixed(2)} ms`,
    `cpu ${Math.round(run.proxyCpuPct)}%`,
    `load cpu ${Math.round(run.loadCpuBusyPct)}%`,
    `rss idle/peak/after ${run.idleMB.toFixed(1)}/${run.peakMB.toFixed(1)}/${run.afterMB.toFixed(1)} MB`,
    `listening ${Math.round(run.coldStartMs)} ms, first 200 ${Math.round(run.firstResponseMs)} ms`,
  ];
  if (run.errors) parts.push(`ERRORS ${run.errors}`);
  if (run.note) parts.push(run.note);
  return parts.join(', ');
}

function pickProxies(options) {
  const chosen = PROXIES.filter((proxy) => options.proxies.includes(proxy.id));
  return chosen.filter((proxy) => {
    const reason = proxy.available?.();
    if (reason) process.stdout.write(`bench: skipping ${proxy.id}: ${reason}\n`);
    return !reason;
  });
}

function saveResults(results) {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`bench: raw results in ${path.relative(ROOT, file)}\n`);
}

function track(proc) {
  live.add(proc);
  return () => live.delete(proc);
}

async function stopAll() {
  await Promise.all([...live].map((proc) => stopProcess(proc)));
  live.clear();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await stopAll();
    process.exit(130);
  });
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
});
