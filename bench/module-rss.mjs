/**
 * How much resident memory each of Nexo's runtime dependencies costs a fresh Node
 * process just by being imported: a baseline process, then one process per module
 * set, each reporting its RSS and V8 heap 300 ms after the imports.
 * Modules share loader costs, so single rows overlap: compare the last two rows for the
 * marginal cost of undici on top of the rest.
 * Usage: node bench/module-rss.mjs (resolves modules from apps/nexo).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const NEXO_DIR = fileURLToPath(new URL('../apps/nexo/', import.meta.url));
const SETS = [
  [],
  ['node:https'],
  ['node:https', 'node:http2'],
  ['undici'],
  ['ajv'],
  ['yaml'],
  ['pino'],
  ['node:https', 'node:http2', 'ajv', 'yaml', 'pino'],
  ['node:https', 'node:http2', 'undici', 'ajv', 'yaml', 'pino'],
];

const PROBE = `
const modules = JSON.parse(process.argv[1]);
for (const name of modules) await import(name);
setTimeout(() => {
  const { rss, heapTotal, heapUsed } = process.memoryUsage();
  console.log(JSON.stringify({ rss, heapTotal, heapUsed }));
}, 300);
`;

const rows = SETS.map((modules) => {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', PROBE, JSON.stringify(modules)],
    { cwd: NEXO_DIR, encoding: 'utf8' },
  );
  return { modules, ...JSON.parse(out) };
});

const baseline = rows[0].rss;
for (const row of rows) {
  const name = row.modules.length ? row.modules.join(' + ') : '(node, nothing imported)';
  const mb = (bytes) => (bytes / 1e6).toFixed(1).padStart(6);
  process.stdout.write(
    `${mb(row.rss)} MB rss (${row.rss === baseline ? '  base' : `+${mb(row.rss - baseline).trim()}`})` +
      `  heap ${mb(row.heapUsed)}/${mb(row.heapTotal)} MB  ${name}\n`,
  );
}
