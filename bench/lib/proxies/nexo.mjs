import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPinned } from '../processes.mjs';

const CLI = fileURLToPath(new URL('../../../apps/nexo/dist/cli.js', import.meta.url));

/**
 * Nexo from this checkout (apps/nexo/dist/cli.js, built by `pnpm build`). Every host is
 * covered by a wildcard certificate already in cert_dir, and acme.directory points at a
 * closed loopback port, so Nexo never asks a CA for anything. Its plain HTTP listener only
 * redirects to https, so the plain HTTP scenario does not apply.
 */
export const nexoProxy = {
  id: 'nexo',
  scenarios: ['h1-tls', 'h1-tls-100k', 'h2-tls', 'handshake'],

  available() {
    return existsSync(CLI) ? undefined : `${CLI} missing: run pnpm build first`;
  },

  start({ ctx, httpsPort, nodeFlags = [], env = {} }) {
    const dir = path.join(ctx.workDir, 'nexo');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'nexo.yaml');
    writeFileSync(file, renderConfig({ ctx, httpsPort }));

    const args = [...nodeFlags, CLI, 'server', '--config', file];
    const proc = startPinned({
      cpu: ctx.proxyCpu,
      command: process.execPath,
      args,
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, NODE_ENV: 'production', ...env },
      logFile: path.join(dir, 'stdout.log'),
    });
    const shown = [...nodeFlags, 'apps/nexo/dist/cli.js', 'server', '--config', file];
    return { proc, command: `node ${shown.join(' ')}`, configFile: file };
  },
};

/** The YAML a user would write for this layout, in the original nexo's keys. */
export function renderConfig({ ctx, httpsPort }) {
  const wildcards = ctx.sites.map((site) => `  - "${site.wildcard}"\n`).join('');
  const proxies = ctx.sites
    .flatMap((site) => site.hosts)
    .map((host) => `  "${host}":\n    upstream: http://127.0.0.1:${ctx.originPort}\n`)
    .join('');
  return `base_dir: ${ctx.workDir}/nexo-base
cert_dir: ${ctx.certDir}
email: bench@bench.test
cloudflare:
  api_token: bench-token-never-used
  # Loopback as well: no DNS provider call may leave the machine.
  api_url: https://127.0.0.1:1/client/v4
dns:
  resolvers:
    - 127.0.0.1:1
acme:
  # Closed loopback port: Nexo must never reach a real CA from the bench.
  directory: https://127.0.0.1:1/directory
listen:
  https: 127.0.0.1:${httpsPort}
log:
  level: warn
  format: json
wildcards:
${wildcards}proxies:
${proxies}`;
}
