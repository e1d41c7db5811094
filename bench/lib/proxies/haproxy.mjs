import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPinned } from '../processes.mjs';

/** haproxy with one thread; the Host header picks the backend from a 100-entry map. */
export const haproxyProxy = {
  id: 'haproxy',
  scenarios: ['h1', 'h1-tls', 'h1-tls-100k', 'h2-tls', 'handshake'],

  start({ ctx, httpPort, httpsPort }) {
    const dir = path.join(ctx.workDir, 'haproxy');
    mkdirSync(dir, { recursive: true });
    const mapFile = path.join(dir, 'hosts.map');
    const hosts = ctx.sites.flatMap((site) => site.hosts);
    writeFileSync(mapFile, hosts.map((host) => `${host} origin\n`).join(''));
    const file = path.join(dir, 'haproxy.cfg');
    writeFileSync(file, render({ ctx, httpPort, httpsPort, mapFile }));

    const args = ['-db', '-f', file];
    const proc = startPinned({
      cpu: ctx.proxyCpu,
      command: 'haproxy',
      args,
      logFile: path.join(dir, 'stdout.log'),
    });
    return { proc, command: `haproxy ${args.join(' ')}`, configFile: file };
  },
};

function render({ ctx, httpPort, httpsPort, mapFile }) {
  return `global
  nbthread 1
  maxconn 8000
  tune.ssl.default-dh-param 2048

defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 300s
  option http-keep-alive
  option forwardfor

frontend bench
  bind 127.0.0.1:${httpPort}
  bind 127.0.0.1:${httpsPort} ssl crt ${ctx.haproxyCertDir} alpn h2,http/1.1
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  use_backend %[req.hdr(host),lower,word(1,:),map(${mapFile})]

backend origin
  http-reuse always
  server origin 127.0.0.1:${ctx.originPort} maxconn 256
`;
}
