import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { measureRun } from './measure.mjs';
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

  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) {
    process.stdout.write('bench: nexo wrote no CPU profile (did it exit cleanly on SIGTERM?)\n');
    return undefined;
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  for (const { area, selfPct } of summary.byArea) {
    process.stdout.write(`  ${selfPct.toFixed(1)}%  ${area}\n`);
  }
  for (const frame of summary.top) {
    process.stdout.write(`  ${frame.selfPct.toFixed(1)}%  ${frame.name}  ${frame.where}\n`);
  }
  return { rps: run.rps, ...summary };
}

/**
 * Self time per function (name + file + line), largest first, and per area (Nexo's own
 * code, undici, Node's core, native code, GC), as shares of the busy (non-idle) samples.
 */
export function summarizeProfile(profile) {
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
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

  const total = profile.samples.filter((id) => !idleIds.has(id)).length;
  const top = [...frames.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, TOP_FRAMES)
    .map((frame) => ({ ...frame, selfPct: (frame.hits / total) * 100 }));
  const byArea = [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, count]) => ({ area, selfPct: (count / total) * 100 }));
  return { samples: total, top, byArea };
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
