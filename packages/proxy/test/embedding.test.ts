import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { onCleanup, send, startUpstream } from './harness.js';

const exampleUrl = new URL('../examples/embed-in-http-server.ts', import.meta.url);
const readmeUrl = new URL('../README.md', import.meta.url);

describe('embedding example from the README', () => {
  it('is the code the README shows', async () => {
    const example = await readFile(exampleUrl, 'utf8');
    const readme = await readFile(readmeUrl, 'utf8');

    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('mounts the proxy on /api/ of a plain node:http server', async () => {
    const api = await startUpstream((req, res) => res.end(`api saw ${req.url}`));
    const wss = new WebSocketServer({ server: api.server });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
    onCleanup(async () => wss.close());

    process.env.API_UPSTREAM = api.origin;
    process.env.PORT = '0';
    const { server } = await import('../examples/embed-in-http-server.js');
    if (!server.listening) await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    onCleanup(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    );

    const proxied = await send(port, { path: '/api/users?id=1' });
    const own = await send(port, { path: '/' });
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`);
    onCleanup(async () => socket.terminate());
    await once(socket, 'open');
    socket.send('ping');
    const [echo] = await once(socket, 'message');

    expect(proxied.body.toString()).toBe('api saw /api/users?id=1');
    expect(own.body.toString()).toBe('hello from the app\n');
    expect(echo.toString()).toBe('ping');
  });
});
