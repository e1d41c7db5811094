import { footprint, rowFor } from './aggregate.mjs';

/**
 * Checks Nexo against the targets of issue 7, each relative to peers measured in the
 * same run. A target whose inputs did not run is reported as "not measured".
 */
export function checkTargets({ rows, runs }) {
  const ratio = (scenario, peer) => {
    const nexo = rowFor(rows, scenario, 'nexo');
    const other = rowFor(rows, scenario, peer);
    if (!nexo || !other) return { raw: Number.NaN, perCore: Number.NaN };
    // Per core: requests per second of CPU used, immune to a load side that saturated.
    return { raw: nexo.rps / other.rps, perCore: other.cpuUsPerReq / nexo.cpuUsPerReq };
  };
  const nexoTls = rowFor(rows, 'h1-tls', 'nexo');
  const caddyTls = rowFor(rows, 'h1-tls', 'caddy');
  const mem = footprint(runs, 'nexo');

  return [
    ratioTarget('HTTP/1.1 TLS 1 KiB req/s ≥ 1.5× Caddy', ratio('h1-tls', 'caddy'), 1.5),
    ratioTarget('HTTP/2 TLS req/s ≥ 1.25× Caddy', ratio('h2-tls', 'caddy'), 1.25),
    ratioTarget('Stretch: HTTP/1.1 TLS 1 KiB ≥ 0.5× nginx', ratio('h1-tls', 'nginx'), 0.5),
    limitTarget({
      name: 'p99 TLS 1 KiB ≤ Caddy (same connections)',
      value: nexoTls?.p99Ms,
      max: caddyTls?.p99Ms,
      unit: 'ms',
      against: 'Caddy',
    }),
    limitTarget({ name: 'Idle RSS, 100 routes + 50 certs ≤ 50 MB', value: mem?.idleMB, max: 50 }),
    limitTarget({ name: 'Peak RSS under load ≤ 90 MB', value: mem?.peakMB, max: 90 }),
    limitTarget({
      name: 'RSS after load within 10 MB of idle',
      value: mem?.afterMinusIdleMB,
      max: 10,
    }),
    limitTarget({
      name: 'Cold start with 50 stored certs < 300 ms (to the first 200 over TLS)',
      value: mem?.firstResponseMs,
      max: 300,
      unit: 'ms',
      note: Number.isFinite(mem?.coldStartMs)
        ? `listening after ${mem.coldStartMs.toFixed(0)} ms`
        : undefined,
    }),
  ];
}

/**
 * Met only when both the plain req/s ratio and the per-core ratio reach `min`: the first
 * is flattered when the peer was load-bound, the second when Nexo was lightly loaded.
 */
function ratioTarget(name, { raw, perCore }, min) {
  if (!Number.isFinite(raw)) return { name, measured: 'not measured', met: undefined };
  const measured = `${raw.toFixed(2)}× req/s, ${perCore.toFixed(2)}× per CPU-second`;
  return { name, measured, met: Math.min(raw, perCore) >= min };
}

function limitTarget({ name, value, max, unit = 'MB', against, note }) {
  if (!Number.isFinite(value) || !Number.isFinite(max)) {
    return { name, measured: 'not measured', met: undefined };
  }
  const shown = `${value.toFixed(1)} ${unit}`;
  let measured = against ? `${shown} (${against} ${max.toFixed(1)} ${unit})` : shown;
  if (note) measured += ` (${note})`;
  return { name, measured, met: value <= max };
}
