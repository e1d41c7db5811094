import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createListenerCert, type ListenerCert } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { applyServerLimits, createProxy, serverOptions } from '../src/index.js';
import { listen, onCleanup, readAll, startUpstream } from './harness.js';

let dir: string;
let cert: ListenerCert;
let tls: { key: Buffer; cert: Buffer };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nexo-proxy-tls-'));
  cert = await createListenerCert(dir);
  tls = { key: await readFile(cert.keyFile), cert: await readFile(cert.certFile) };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The server shape Nexo itself uses: HTTP/2 with HTTP/1.1 fallback over TLS. */
async function startSecureProxy(origin: string, maxHeaderBytes?: number): Promise<number> {
  const proxy = createProxy({ maxHeaderBytes });
  const target = proxy.createTarget({ upstreams: [origin] });
  const server = http2.createSecureServer(
    { ...serverOptions({ maxHeaderBytes }), ...tls, allowHTTP1: true },
    (req, res) => proxy.handleRequest(req, res, target),
  );
  server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head, target));
  applyServerLimits(server, { maxHeaderBytes });
  onCleanup(() => proxy.close({ deadlineMs: 100 }));
  return listen(server);
}

async function echoUpstream() {
  const upstream = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: req.httpVersion, headers: req.headers }));
  });
  const wss = new WebSocketServer({ server: upstream.server });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  onCleanup(async () => wss.close());
  return upstream;
}

describe('behind TLS with http2.createSecureServer({ allowHTTP1: true })', () => {
  it('serves an HTTP/1.1 client and reports https to the upstream', async () => {
    const upstream = await echoUpstream();
    const port = await startSecureProxy(upstream.origin);

    const req = https.get({ host: '127.0.0.1', port, path: '/', ca: cert.caCertPem, agent: false });
    const [res] = await once(req, 'response');
    const seen = JSON.parse((await readAll(res)).toString());

    expect(res.httpVersion).toBe('1.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
  });

  it('serves an HTTP/2 client and reports https to the upstream', async () => {
    const upstream = await echoUpstream();
    const port = await startSecureProxy(upstream.origin);

    const client = http2.connect(`https://localhost:${port}`, { ca: cert.caCertPem });
    onCleanup(async () => client.close());
    const stream = client.request({ ':path': '/', ':authority': 'app.example.com' });
    const [headers] = await once(stream, 'response');
    const seen = JSON.parse((await readAll(stream)).toString());

    expect(headers[':status']).toBe(200);
    expect(seen.headers.host).toBe('app.example.com');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
  });

  it('proxies a WebSocket over the HTTP/1.1 fallback', async () => {
    const upstream = await echoUpstream();
    const port = await startSecureProxy(upstream.origin);

    const socket = new WebSocket(`wss://localhost:${port}/`, { ca: cert.caCertPem });
    onCleanup(async () => socket.terminate());
    await once(socket, 'open');
    socket.send('over tls');
    const [message] = await once(socket, 'message');

    expect(message.toString()).toBe('over tls');
  });

  it('answers 431 to oversized headers on the HTTP/1.1 fallback', async () => {
    const upstream = await echoUpstream();
    const port = await startSecureProxy(upstream.origin, 8192);

    const req = https.get({
      host: '127.0.0.1',
      port,
      ca: cert.caCertPem,
      agent: false,
      headers: { 'x-big': 'a'.repeat(10_000) },
    });
    const [res] = await once(req, 'response');
    res.resume();

    expect(res.statusCode).toBe(431);
  });

  it('gets the keep-alive and request limits that the constructor ignores', () => {
    const server = http2.createSecureServer({ ...tls, allowHTTP1: true });

    applyServerLimits(server, { timeouts: { keepAliveMs: 5_000, requestMs: 7_000 } });

    expect(server).toMatchObject({
      keepAliveTimeout: 5_000,
      requestTimeout: 7_000,
      headersTimeout: 7_000,
      maxHeaderSize: 1024 * 1024,
    });
  });
});
