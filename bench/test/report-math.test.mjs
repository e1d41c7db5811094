// Run with `node --test bench/test/`: the arithmetic behind the tables and verdicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateRuns, footprint } from '../lib/aggregate.mjs';
import { shortBodyWarning } from '../lib/body-check.mjs';
import { summarizeProfile } from '../lib/cpu-profile.mjs';
import { median, spreadPercent } from '../lib/stats.mjs';
import { checkTargets } from '../lib/targets.mjs';

const run = (proxy, scenario, rps, extra = {}) => ({
  proxy,
  scenario,
  rps,
  p50Ms: 1,
  p99Ms: 5,
  proxyCpuPct: 100,
  loadCpuBusyPct: 50,
  proxyCpuBusyPct: 100,
  idleMB: 40,
  peakMB: 60,
  afterMB: 45,
  coldStartMs: 100,
  firstResponseMs: 150,
  errors: 0,
  requests: rps,
  ...extra,
});

test('median and spread', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(spreadPercent([90, 100, 110]), 10);
});

test('aggregateRuns takes medians, the worst peak and CPU per request', () => {
  const rows = aggregateRuns([
    run('nexo', 'h1-tls', 10_000, { peakMB: 70 }),
    run('nexo', 'h1-tls', 12_000, { peakMB: 90 }),
    run('nexo', 'h1-tls', 11_000, { peakMB: 80 }),
  ]);

  assert.equal(rows.length, 1);
  assert.equal(rows[0].rps, 11_000);
  assert.deepEqual(rows[0].rpsRange, [10_000, 12_000]);
  assert.equal(rows[0].peakMB, 90);
  assert.equal(Math.round(rows[0].cpuUsPerReq), 91);
});

test('checkTargets needs both the req/s and the per-CPU ratio to reach a target', () => {
  const runs = [
    // Caddy load-bound at half a CPU: req/s says 2×, per CPU-second says 1×.
    run('caddy', 'h1-tls', 5_000, { proxyCpuPct: 50 }),
    run('nexo', 'h1-tls', 10_000),
    run('caddy', 'h2-tls', 4_000),
    run('nexo', 'h2-tls', 6_000),
  ];
  const rows = aggregateRuns(runs);
  const verdicts = Object.fromEntries(checkTargets({ rows, runs }).map((t) => [t.name, t]));

  const tls = verdicts['HTTP/1.1 TLS 1 KiB req/s ≥ 1.5× Caddy'];
  assert.equal(tls.measured, '2.00× req/s, 1.00× per CPU-second');
  assert.equal(tls.met, false);
  assert.equal(verdicts['HTTP/2 TLS req/s ≥ 1.25× Caddy'].met, true);
  assert.equal(verdicts['Idle RSS, 100 routes + 50 certs ≤ 50 MB'].met, true);
  assert.equal(verdicts['Stretch: HTTP/1.1 TLS 1 KiB ≥ 0.5× nginx'].met, undefined);
});

test('footprint reports the worst growth after load over all runs', () => {
  const f = footprint(
    [run('nexo', 'h1-tls', 1, { afterMB: 48 }), run('nexo', 'h2-tls', 1, { afterMB: 55 })],
    'nexo',
  );
  assert.equal(f.afterMinusIdleMB, 15);
});

test('summarizeProfile ranks self time over busy samples and skips the start', () => {
  const frame = (id, functionName, url = '') => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
  });
  const profile = {
    nodes: [
      frame(1, '(idle)'),
      frame(2, 'onHeaders', 'file:///work/main/packages/proxy/dist/index.js'),
      frame(3, 'writev'),
      frame(4, 'loadConfig', 'file:///work/main/apps/nexo/dist/cli.js'),
    ],
    samples: [4, 4, 2, 3, 3, 1, 1, 3],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };

  const summary = summarizeProfile(profile, 2.5);

  assert.equal(summary.samples, 4);
  assert.equal(summary.top[0].name, 'writev');
  assert.equal(summary.top[0].selfPct, 75);
  assert.deepEqual(
    summary.byArea.map((a) => a.area),
    ['native / V8 (no script)', 'nexo'],
  );
});

test('shortBodyWarning tolerates wrk rounding but catches wrong bodies', () => {
  const tls100k = { path: '/100k' };
  assert.equal(
    shortBodyWarning({ bytesPerResponse: 102317, bytesIncludeHeaders: true }, tls100k),
    undefined,
  );
  assert.match(
    shortBodyWarning({ bytesPerResponse: 180, bytesIncludeHeaders: true }, { path: '/1k' }),
    /short responses: 180 B/,
  );
  assert.match(shortBodyWarning({ bytesPerResponse: 1000 }, { path: '/1k' }), /expected 1024/);
});
