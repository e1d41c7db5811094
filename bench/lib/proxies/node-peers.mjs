import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPinned } from '../processes.mjs';

const PEERS_DIR = fileURLToPath(new URL('../../peers/', import.meta.url));

/** The floor: node:http + undici Pool, plain pipe (bench/peers/bare-forwarder.mjs). */
export const bareProxy = nodePeer({
  id: 'bare',
  script: 'bare-forwarder.mjs',
  scenarios: ['h1', 'h1-tls', 'h1-tls-100k', 'h2-tls', 'handshake'],
});

/** http-proxy with a keep-alive agent (bench/peers/http-proxy.mjs), HTTP/1.1 only. */
export const httpProxyProxy = nodePeer({
  id: 'http-proxy',
  script: 'http-proxy.mjs',
  scenarios: ['h1', 'h1-tls', 'h1-tls-100k', 'handshake'],
});

function nodePeer({ id, script, scenarios }) {
  return {
    id,
    scenarios,

    start({ ctx, httpPort, httpsPort, nodeFlags = [] }) {
      const dir = path.join(ctx.workDir, id);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'config.json');
      const config = {
        httpPort,
        httpsPort,
        upstream: `http://127.0.0.1:${ctx.originPort}`,
        hosts: ctx.sites.flatMap((site) => site.hosts),
        sites: ctx.sites.map(({ wildcard, certFile, keyFile }) => ({
          wildcard,
          certFile,
          keyFile,
        })),
      };
      writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);

      const args = [...nodeFlags, path.join(PEERS_DIR, script), file];
      const proc = startPinned({
        cpu: ctx.proxyCpu,
        command: process.execPath,
        args,
        logFile: path.join(dir, 'stdout.log'),
      });
      const shown = [...nodeFlags, `bench/peers/${script}`, file];
      return { proc, command: `node ${shown.join(' ')}`, configFile: file };
    },
  };
}
