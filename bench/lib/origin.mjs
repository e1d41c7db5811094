import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPinned } from './processes.mjs';

/** Files the origin serves; the names are the request paths. */
export const BODIES = { '1k': 1024, '100k': 100 * 1024 };

/**
 * Renders the origin's nginx.conf: one worker, static files, keep-alive without a
 * request cap so that proxies can reuse their upstream connections for the whole run.
 */
export function originConfig({ dir, port }) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${dir}/www;
  }
}
`;
}

/**
 * Starts the origin on `cpu` (the load generator's CPU), serving /1k and /100k.
 * @param {{ workDir: string, port: number, cpu: number }} options
 */
export function startOrigin(options) {
  const dir = path.join(options.workDir, 'origin');
  mkdirSync(path.join(dir, 'www'), { recursive: true, mode: 0o755 });
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  for (const [name, size] of Object.entries(BODIES)) {
    writeFileSync(path.join(dir, 'www', name), Buffer.alloc(size, 'x'), { mode: 0o644 });
  }

  const file = path.join(dir, 'nginx.conf');
  writeFileSync(file, originConfig({ dir, port: options.port }));
  const proc = startPinned({
    cpu: options.cpu,
    command: 'nginx',
    args: ['-c', file, '-p', dir, '-e', `${dir}/error.log`],
    logFile: path.join(dir, 'stdout.log'),
  });
  return { proc, configFile: file };
}
