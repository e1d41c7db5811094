/**
 * The floor of what a Node reverse proxy costs: node:http(s) in front, an undici Pool per
 * upstream behind, bodies moved with plain `pipe` and explicit error handling (no
 * `stream.pipeline`, which creates an AbortController per request). HTTP/2 is served
 * through `http2.createSecureServer` with HTTP/1.1 fallback on the same port.
 * Usage: node bare-forwarder.mjs <config.json>
 */
import http from 'node:http';
import http2 from 'node:http2';
import { Pool } from 'undici';
import { readPeerConfig, requestHost, sniCallback } from './peer-config.mjs';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
  'host',
]);

const config = readPeerConfig(process.argv[2]);
const pools = new Map();
for (const upstream of new Set(config.routes.values())) {
  pools.set(upstream, new Pool(upstream, { connections: 128, pipelining: 1 }));
}

function forward(req, res) {
  const host = requestHost(req);
  const upstream = host === undefined ? undefined : config.routes.get(host);
  if (upstream === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown host\n');
    return;
  }

  const headers = forwardedHeaders(req, host);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pools
    .get(upstream)
    .request(
      { path: req.url, method: req.method, headers, body: hasBody ? req : null },
      (error, response) => {
        if (error) {
          fail(res, error);
          return;
        }
        res.writeHead(response.statusCode, responseHeaders(response.headers));
        response.body.on('error', (bodyError) => res.destroy(bodyError));
        res.on('close', () => {
          if (!response.body.readableEnded) response.body.destroy();
        });
        response.body.pipe(res);
      },
    );
}

function forwardedHeaders(req, host) {
  const raw = req.rawHeaders;
  const headers = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name[0] === ':' || HOP_BY_HOP.has(name.toLowerCase())) continue;
    headers.push(name, raw[i + 1]);
  }
  const secure = req.socket.encrypted === true;
  headers.push(
    'host',
    req.headers[':authority'] ?? req.headers.host,
    'x-forwarded-for',
    req.socket.remoteAddress ?? '',
    'x-forwarded-host',
    host,
    'x-forwarded-proto',
    secure ? 'https' : 'http',
  );
  return headers;
}

function responseHeaders(headers) {
  for (const name of HOP_BY_HOP) if (name !== 'host') delete headers[name];
  return headers;
}

function fail(res, error) {
  process.stderr.write(`upstream error: ${error.code ?? error.message}\n`);
  if (res.headersSent) res.destroy();
  else res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n');
}

const secure = http2.createSecureServer(
  { allowHTTP1: true, SNICallback: sniCallback(config.sites) },
  forward,
);
secure.listen(config.httpsPort, '127.0.0.1');
const plain = http.createServer({ keepAliveTimeout: 300_000 }, forward);
plain.listen(config.httpPort, '127.0.0.1');

process.on('SIGTERM', () => {
  secure.close();
  plain.close();
  for (const pool of pools.values()) pool.destroy();
  process.exit(0);
});
