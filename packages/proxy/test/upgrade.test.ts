import { once } from 'node:events';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { deadOrigin, listen, onCleanup, startProxy, startUpstream, waitFor } from './harness.js';

async function startEchoServer(): Promise<{ origin: string; headers: http.IncomingHttpHeaders[] }> {
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    headers.push(req.headers);
    socket.on('message', (data, binary) => socket.send(data, { binary }));
  });
  onCleanup(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, headers };
}

async function connect(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  onCleanup(async () => socket.terminate());
  await once(socket, 'open');
  return socket;
}

describe('upgrades', () => {
  it('proxies a WebSocket both ways, text and binary', async () => {
    const upstream = await startEchoServer();
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const socket = await connect(`ws://127.0.0.1:${proxied.port}/chat`);
    socket.send('hello');
    const [text] = await once(socket, 'message');
    const payload = Buffer.alloc(256 * 1024, 7);
    socket.send(payload);
    const [binary] = await once(socket, 'message');

    expect(text.toString()).toBe('hello');
    expect(Buffer.compare(binary as Buffer, payload)).toBe(0);
    expect(upstream.headers[0]?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(proxied.proxy.inFlight).toBe(1);

    socket.close();
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]).toMatchObject({ status: 101, upgrade: true, path: '/chat' });
    expect(proxied.proxy.inFlight).toBe(0);
  });

  it('keeps an idle WebSocket open (no idle timeout unless configured)', async () => {
    const upstream = await startEchoServer();
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      { timeouts: { keepAliveMs: 100, requestMs: 200 } },
    );

    const socket = await connect(`ws://127.0.0.1:${proxied.port}/`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    socket.send('still here');
    const [message] = await once(socket, 'message');

    expect(message.toString()).toBe('still here');
  });

  it('closes an idle upgraded connection when upgradeIdleMs is set', async () => {
    const upstream = await startEchoServer();
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      { timeouts: { upgradeIdleMs: 150 } },
    );

    const socket = await connect(`ws://127.0.0.1:${proxied.port}/`);
    const [code] = await once(socket, 'close');

    expect(code).toBe(1006);
  });

  it('relays a refusal when the upstream does not switch protocols', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('no websockets here');
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const socket = new WebSocket(`ws://127.0.0.1:${proxied.port}/`);
    socket.on('error', () => {});
    const [, res] = (await once(socket, 'unexpected-response')) as [unknown, http.IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    socket.terminate();

    expect(res.statusCode).toBe(403);
    expect(Buffer.concat(chunks).toString()).toBe('no websockets here');
  });

  it('answers 502 on the raw socket when the upstream is down', async () => {
    const proxied = await startProxy(async () => ({ upstreams: [await deadOrigin()] }));

    const socket = new WebSocket(`ws://127.0.0.1:${proxied.port}/`);
    socket.on('error', () => {});
    const [, res] = (await once(socket, 'unexpected-response')) as [unknown, http.IncomingMessage];
    socket.terminate();

    expect(res.statusCode).toBe(502);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
