import { footprint, rowFor } from './aggregate.mjs';

const WIDTH = 860;
const LABEL_WIDTH = 110;
const BAR_HEIGHT = 12;
const BAR_GAP = 3;
const GROUP_GAP = 12;
const VALUE_ROOM = 70;
const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626'];

/**
 * A self-contained SVG with two horizontal bar charts: median requests/s per proxy for
 * the main scenarios, and RSS (idle, peak, after load) per proxy.
 * @param {{ rows: object[], runs: object[], proxies: string[], scenarios: object[] }} data
 */
export function renderChart({ rows, runs, proxies, scenarios }) {
  const shown = scenarios.filter((s) => s.id !== 'handshake');
  const throughput = panel({
    title: 'Requests/s, median (one CPU per proxy; longer is better)',
    proxies,
    series: shown.map((scenario) => ({
      label: scenario.title,
      value: (proxy) => rowFor(rows, scenario.id, proxy)?.rps,
      format: (v) => `${Math.round(v).toLocaleString('en-US')}`,
    })),
  });
  const memory = panel({
    title: 'RSS in MB (shorter is better)',
    proxies,
    series: [
      { label: 'idle, 100 routes + 50 certs', field: 'idleMB' },
      { label: 'peak under load (any scenario)', field: 'peakMB' },
      { label: 'after load', field: 'afterMB' },
    ].map(({ label, field }) => ({
      label,
      value: (proxy) => footprint(runs, proxy)?.[field],
      format: (v) => v.toFixed(1),
    })),
  });

  const height = throughput.height + memory.height + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" \
viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#ffffff"/>
<g transform="translate(0,10)">${throughput.svg}</g>
<g transform="translate(0,${throughput.height + 10})">${memory.svg}</g>
</svg>
`;
}

function panel({ title, proxies, series }) {
  const values = proxies.flatMap((proxy) => series.map((s) => s.value(proxy)));
  const max = Math.max(1, ...values.filter(Number.isFinite));
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_ROOM - 20;
  const groupHeight = series.length * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP;
  const legendHeight = 16 * series.length + 6;
  const top = 22 + legendHeight;
  const parts = [
    `<text x="10" y="14" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];

  series.forEach((s, i) => {
    const y = 22 + i * 16;
    parts.push(
      `<rect x="${LABEL_WIDTH}" y="${y}" width="12" height="10" fill="${COLORS[i]}"/>`,
      `<text x="${LABEL_WIDTH + 18}" y="${y + 9}">${escapeXml(s.label)}</text>`,
    );
  });

  proxies.forEach((proxy, p) => {
    const groupTop = top + p * groupHeight;
    const labelY = groupTop + (series.length * (BAR_HEIGHT + BAR_GAP)) / 2 + 4;
    const weight = proxy === 'nexo' ? ' font-weight="bold"' : '';
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${labelY}" text-anchor="end"${weight}>${escapeXml(proxy)}</text>`,
    );
    series.forEach((s, i) => {
      const value = s.value(proxy);
      const y = groupTop + i * (BAR_HEIGHT + BAR_GAP);
      if (!Number.isFinite(value)) {
        parts.push(`<text x="${LABEL_WIDTH + 4}" y="${y + 10}" fill="#888">n/a</text>`);
        return;
      }
      const width = Math.max(1, (value / max) * plotWidth);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" \
fill="${COLORS[i]}"/>`,
        `<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + 10}">${s.format(value)}</text>`,
      );
    });
  });

  return { svg: parts.join('\n'), height: top + proxies.length * groupHeight + 10 };
}

function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
