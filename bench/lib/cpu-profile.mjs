import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { measureRun } from './measure.mjs';
import { freePort, waitForPort } from './ports.mjs';
import { stopProcess } from './processes.mjs';
import { nexoProxy } from './proxies/nexo.mjs';
import { scenarioById } from './scenarios.mjs';

const TOP_FRAMES = 15;

/**
 * Runs Nexo under `node --cpu-prof` on HTTP/1.1 TLS 1 KiB and returns its top frames by
 * self time, so the report can say where its hot path goes.
 * @param {{ ctx: object, options: object, track: Function }} options
 */
export async function profileNexo({ ctx, options, track }) {
  const dir = path.join(ctx.workDir, 'cpu-profile');
  mkdirSync(dir, { recursive: true });
  const run = await measureRun({
    proxy: nexoProxy,
    scenario: scenarioById('h1-tls'),
    ctx,
    durationS: options.durationS,
    warmupS: options.warmupS,
    nodeFlags: [...options.nexoNodeFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`],
    track,
  });

  // Only the measured load: skip start-up, the settle second and the warm-up.
  const skipMs = run.firstResponseMs + 1000 + options.warmupS * 1000;
  const load = readSummary(dir, 'under load', skipMs);
  const start = await profileStart({ ctx, options, track });
  return load ? { rps: run.rps, ...load, start } : undefined;
}

/** Profiles Nexo from spawn until it listens: where the cold start goes. */
async function profileStart({ ctx, options, track }) {
  const dir = path.join(ctx.workDir, 'cpu-profile-start');
  mkdirSync(dir, { recursive: true });
  const httpsPort = await freePort();
  const nodeFlags = [...options.nexoNodeFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`];
  const began = performance.now();
  const started = nexoProxy.start({ ctx, httpPort: 0, httpsPort, nodeFlags });
  const untrack = track(started.proc);
  let listeningMs;
  try {
    await waitForPort(httpsPort, { timeoutMs: 20_000, isAlive: started.proc.isAlive });
    listeningMs = performance.now() - began;
    // Let it finish its start-up work and install its signal handlers before stopping it.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await stopProcess(started.proc);
    untrack();
  }
  const summary = readSummary(dir, 'start-up');
  return summary ? { listeningMs, ...summary } : undefined;
}

function readSummary(dir, what, skipMs = 0) {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) {
    process.stdout.write(`bench: nexo wrote no ${what} CPU profile (no clean exit on SIGTERM?)\n`);
    return undefined;
  }
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const summary = summarizeProfile(profile, skipMs);
  process.stdout.write(`nexo CPU profile, ${what}:\n`);
  for (const { area, selfPct } of summary.byArea) {
    process.stdout.write(`  ${selfPct.toFixed(1)}%  ${area}\n`);
  }
  for (const frame of summary.top) {
    process.stdout.write(`  ${frame.selfPct.toFixed(1)}%  ${frame.name}  ${frame.where}\n`);
  }
  return summary;
}

/**
 * Self time per function (name + file + line), largest first, and per area (Nexo's own
 * code, undici, Node's core, native code, GC), as shares of the busy (non-idle) samples.
 */
export function summarizeProfile(profile, skipMs = 0) {
  const samples = samplesAfter(profile, skipMs);
  const hits = new Map();
  for (const id of samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const idleIds = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const areas = new Map();

  const frames = new Map();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0 || idleIds.has(node.id)) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(functionName, url);
    areas.set(area, (areas.get(area) ?? 0) + count);
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}\u0000${where}`;
    const frame = frames.get(key) ?? { name: functionName || '(anonymous)', where, hits: 0 };
    frame.hits += count;
    frames.set(key, frame);
  }

  const total = samples.filter((id) => !idleIds.has(id)).length;
  const top = [...frames.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, TOP_FRAMES)
    .map((frame) => ({ ...frame, selfPct: (frame.hits / total) * 100 }));
  const byArea = [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, count]) => ({ area, selfPct: (count / total) * 100 }));
  return { samples: total, top, byArea };
}

/** Sample node ids taken at least `skipMs` after the profile started. */
function samplesAfter(profile, skipMs) {
  if (skipMs <= 0) return profile.samples;
  const kept = [];
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    elapsedUs += profile.timeDeltas[i] ?? 0;
    if (elapsedUs >= skipMs * 1000) kept.push(id);
  });
  return kept;
}

function areaOf(functionName, url) {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (url.includes('/node_modules/')) {
    const rest = url.slice(url.lastIndexOf('/node_modules/') + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node core (JS)';
  if (url.startsWith('wasm:')) return 'wasm (undici llhttp)';
  if (url.includes('/apps/') || url.includes('/packages/')) return 'nexo';
  return 'native / V8 (no script)';
}

function shortUrl(url) {
  const marker = url.indexOf('/node_modules/');
  if (marker !== -1) return url.slice(marker + 1);
  const repo = url.indexOf('/apps/') !== -1 ? url.indexOf('/apps/') : url.indexOf('/packages/');
  return repo !== -1 ? url.slice(repo + 1) : url.replace('file://', '');
}
