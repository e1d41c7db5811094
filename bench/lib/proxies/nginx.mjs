import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPinned } from '../processes.mjs';

/** nginx as a reverse proxy: one worker, HTTP/2 on the TLS port, upstream keep-alive. */
export const nginxProxy = {
  id: 'nginx',
  scenarios: ['h1', 'h1-tls', 'h1-tls-100k', 'h2-tls', 'handshake'],

  start({ ctx, httpPort, httpsPort }) {
    const dir = path.join(ctx.workDir, 'nginx');
    mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    const file = path.join(dir, 'nginx.conf');
    writeFileSync(file, render({ dir, ctx, httpPort, httpsPort }));

    const args = ['-c', file, '-p', dir, '-e', `${dir}/error.log`];
    const proc = startPinned({
      cpu: ctx.proxyCpu,
      command: 'nginx',
      args,
      logFile: path.join(dir, 'stdout.log'),
    });
    return { proc, command: `nginx ${args.join(' ')}`, configFile: file };
  },
};

function render({ dir, ctx, httpPort, httpsPort }) {
  const servers = ctx.sites.map((site) => server({ site, httpPort, httpsPort })).join('');
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  ssl_protocols TLSv1.2 TLSv1.3;
  http2_max_requests 10000000;
  upstream origin {
    server 127.0.0.1:${ctx.originPort};
    keepalive 128;
    keepalive_requests 10000000;
  }
${servers}}
`;
}

function server({ site, httpPort, httpsPort }) {
  return `  server {
    listen 127.0.0.1:${httpPort};
    listen 127.0.0.1:${httpsPort} ssl http2;
    server_name ${site.hosts.join(' ')};
    ssl_certificate ${site.certFile};
    ssl_certificate_key ${site.keyFile};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
`;
}
