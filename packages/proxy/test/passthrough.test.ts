import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { readAll, send, startProxy, startUpstream, waitFor } from './harness.js';

describe('requests and responses pass through unchanged', () => {
  it('keeps the method, encoded path and query as sent', async () => {
    const upstream = await startUpstream((req, res) => res.end(`${req.method} ${req.url}`));
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const reply = await send(proxied.port, { method: 'PATCH', path: '/a%2Fb/../c?x=1&y=%20#' });

    expect(reply.body.toString()).toBe('PATCH /a%2Fb/../c?x=1&y=%20#');
  });

  const statuses: Array<[string, number, string]> = [
    ['HEAD', 200, ''],
    ['GET', 204, ''],
    ['GET', 304, ''],
    ['GET', 404, 'missing'],
    ['GET', 500, 'broken!'],
  ];

  it.each(statuses)('%s answered %i relays status and body', async (method, status, body) => {
    const upstream = await startUpstream((_req, res) => {
      if (status === 204 || status === 304) res.writeHead(status).end();
      else res.writeHead(status, { 'content-length': 7 }).end(method === 'HEAD' ? '' : body);
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const reply = await send(proxied.port, { method });

    expect(reply.status).toBe(status);
    expect(reply.body.toString()).toBe(body);
    if (method === 'HEAD') expect(reply.headers['content-length']).toBe('7');
  });

  it('serves several requests on one client keep-alive connection', async () => {
    const upstream = await startUpstream((req, res) => res.end(req.url));
    const proxied = await startProxy({ upstreams: [upstream.origin] });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();

    const bodies: string[] = [];
    for (const path of ['/one', '/two', '/three']) {
      const req = http.get({ host: '127.0.0.1', port: proxied.port, path, agent });
      req.on('socket', (socket) => sockets.add(socket));
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      bodies.push((await readAll(res)).toString());
    }
    agent.destroy();

    expect(bodies).toEqual(['/one', '/two', '/three']);
    expect(sockets.size).toBe(1);
  });

  it('holds a slow upstream reader back on uploads instead of buffering the body', async () => {
    const size = 64 * 1024;
    const count = 128; // 8 MB
    let consumed = 0;
    let release: () => void = () => {};
    const upstream = await startUpstream(async (req, res) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      consumed = (await readAll(req)).length;
      res.end('ok');
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const req = http.request({
      host: '127.0.0.1',
      port: proxied.port,
      method: 'POST',
      agent: false,
      headers: { 'content-length': size * count },
    });
    const response = once(req, 'response') as Promise<[IncomingMessage]>;
    let written = 0;
    let blocked = false;
    for (let i = 0; i < count && !blocked; i++) {
      written += size;
      blocked = !req.write(Buffer.alloc(size, i));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const flowedWhileBlocked = req.writableLength < written;
    release();
    for (let i = written / size; i < count; i++) {
      if (!req.write(Buffer.alloc(size, i))) await once(req, 'drain');
    }
    req.end();
    const [res] = await response;

    expect(blocked).toBe(true);
    expect(flowedWhileBlocked).toBe(true);
    expect((await readAll(res)).toString()).toBe('ok');
    expect(consumed).toBe(size * count);
  });

  it('relays upstream response headers larger than 16 KB', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'x-large': 'v'.repeat(40_000) }).end('ok');
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const req = http.get({
      host: '127.0.0.1',
      port: proxied.port,
      agent: false,
      maxHeaderSize: 100_000,
    });
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.resume();

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-large']).toHaveLength(40_000);
  });

  it('answers 400 to a request target undici cannot forward (OPTIONS *)', async () => {
    const upstream = await startUpstream((_req, res) => res.end('reached'));
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const socket = net.connect(proxied.port, '127.0.0.1');
    socket.end('OPTIONS * HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n');
    const reply = (await readAll(socket)).toString();

    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]?.errorCode).toBe('bad_request');
  });

  it('relays an early answer to a large upload, then closes that connection', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(401).end('login first'));
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const req = http.request({
      host: '127.0.0.1',
      port: proxied.port,
      method: 'POST',
      agent: false,
      headers: { 'content-length': 8 * 1024 * 1024 },
    });
    req.on('error', () => {});
    req.write(Buffer.alloc(256 * 1024));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    const body = await readAll(res);
    req.destroy();

    expect(res.statusCode).toBe(401);
    expect(res.headers.connection).toBe('close');
    expect(body.toString()).toBe('login first');
    expect((await send(proxied.port)).status).toBe(401);
    await waitFor(() => proxied.proxy.inFlight === 0);
  });
});
