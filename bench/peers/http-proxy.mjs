/**
 * `http-proxy` as a Node user would deploy it: https server with SNI, a keep-alive agent
 * to the upstream, X-Forwarded-* headers on. HTTP/1.1 only (http-proxy does not speak h2).
 * Usage: node http-proxy.mjs <config.json>
 */
import http from 'node:http';
import https from 'node:https';
import httpProxy from 'http-proxy';
import { readPeerConfig, requestHost, sniCallback } from './peer-config.mjs';

const config = readPeerConfig(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 128 });
const proxy = httpProxy.createProxyServer({ agent, xfwd: true });

proxy.on('error', (error, _req, res) => {
  process.stderr.write(`upstream error: ${error.code ?? error.message}\n`);
  if (!res || typeof res.writeHead !== 'function') return;
  if (res.headersSent) res.destroy();
  else res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n');
});

function route(req, res) {
  const host = requestHost(req);
  const target = host === undefined ? undefined : config.routes.get(host);
  if (target === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown host\n');
    return;
  }
  proxy.web(req, res, { target });
}

const secure = https.createServer({ SNICallback: sniCallback(config.sites) }, route);
secure.keepAliveTimeout = 300_000;
secure.listen(config.httpsPort, '127.0.0.1');
const plain = http.createServer({ keepAliveTimeout: 300_000 }, route);
plain.listen(config.httpPort, '127.0.0.1');

process.on('SIGTERM', () => {
  secure.close();
  plain.close();
  agent.destroy();
  process.exit(0);
});
