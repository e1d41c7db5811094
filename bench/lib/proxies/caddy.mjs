import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPinned } from '../processes.mjs';

/**
 * Caddy with GOMAXPROCS=1, certificates loaded from files, automatic HTTPS and the admin
 * endpoint off: it never contacts a CA. One site block (and reverse_proxy) per site.
 */
export const caddyProxy = {
  id: 'caddy',
  scenarios: ['h1', 'h1-tls', 'h1-tls-100k', 'h2-tls', 'handshake'],

  start({ ctx, httpPort, httpsPort }) {
    const dir = path.join(ctx.workDir, 'caddy');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'Caddyfile');
    writeFileSync(file, render({ ctx, dir, httpPort, httpsPort }));

    const args = ['run', '--config', file, '--adapter', 'caddyfile'];
    const env = {
      PATH: process.env.PATH,
      GOMAXPROCS: '1',
      HOME: dir,
      XDG_DATA_HOME: path.join(dir, 'data'),
      XDG_CONFIG_HOME: path.join(dir, 'config'),
    };
    const proc = startPinned({
      cpu: ctx.proxyCpu,
      command: 'caddy',
      args,
      env,
      logFile: path.join(dir, 'stdout.log'),
    });
    return { proc, command: `GOMAXPROCS=1 caddy ${args.join(' ')}`, configFile: file };
  },
};

function render({ ctx, dir, httpPort, httpsPort }) {
  const sites = ctx.sites.map((site) => siteBlocks({ site, ctx, httpPort, httpsPort }));
  return `{
  admin off
  auto_https off
  storage file_system ${path.join(dir, 'storage')}
  log {
    level ERROR
  }
}

${sites.join('\n')}`;
}

function siteBlocks({ site, ctx, httpPort, httpsPort }) {
  const tlsNames = site.hosts.map((host) => `https://${host}:${httpsPort}`).join(', ');
  const plainNames = site.hosts.map((host) => `http://${host}:${httpPort}`).join(', ');
  return `${tlsNames} {
  bind 127.0.0.1
  tls ${site.certFile} ${site.keyFile}
  reverse_proxy 127.0.0.1:${ctx.originPort} {
    transport http {
      keepalive_idle_conns_per_host 128
    }
  }
}
${plainNames} {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:${ctx.originPort} {
    transport http {
      keepalive_idle_conns_per_host 128
    }
  }
}
`;
}
