import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../src/index.js';
import { h2Request, listen, send, startH2Proxy, startProxy, waitFor } from './harness.js';

/**
 * An upstream that answers every request head with `head` byte for byte, so the test
 * controls framing headers node:http would otherwise fix up (Content-Length on 204/304).
 */
async function startRawUpstream(head: string): Promise<string> {
  const server = net.createServer((socket) => {
    let pending = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      while (pending.includes('\r\n\r\n')) {
        pending = pending.slice(pending.indexOf('\r\n\r\n') + 4);
        socket.write(`${head}\r\n\r\n`);
      }
    });
  });
  const port = await listen(server);
  return `http://127.0.0.1:${port}`;
}

const cases = [
  {
    name: '304 with ETag and Content-Length',
    method: 'GET',
    head: 'HTTP/1.1 304 Not Modified\r\netag: "v1"\r\ncontent-length: 1234',
    status: 304,
  },
  {
    name: '204 with Content-Length',
    method: 'GET',
    head: 'HTTP/1.1 204 No Content\r\ncontent-length: 5',
    status: 204,
  },
  {
    name: 'HEAD answered 200 with Content-Length',
    method: 'HEAD',
    head: 'HTTP/1.1 200 OK\r\ncontent-length: 4321',
    status: 200,
  },
];

describe('responses without a body', () => {
  it.each(cases)('relays a $name to an HTTP/1.1 client', async ({ method, head, status }) => {
    const proxied = await startProxy({ upstreams: [await startRawUpstream(head)] });

    const first = await send(proxied.port, { method });

    expect(first.status).toBe(status);
    expect(first.body.length).toBe(0);
    if (status === 204) expect(first.headers).not.toHaveProperty('content-length');
    if (status === 304) expect(first.headers.etag).toBe('"v1"');
    if (method === 'HEAD') expect(first.headers['content-length']).toBe('4321');
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]).toMatchObject({ status, errorCode: undefined });
  });

  it.each(cases)('relays a $name to an HTTP/2 client', async ({ method, head, status }) => {
    const events: AccessEvent[] = [];
    const client = await startH2Proxy(await startRawUpstream(head), undefined, events);

    const reply = await h2Request(client, {
      ':method': method,
      ':path': '/',
      ':authority': 'a.example',
    });

    expect(reply.headers[':status']).toBe(status);
    expect(reply.body).toBe('');
    if (status === 204) expect(reply.headers).not.toHaveProperty('content-length');
    if (status === 304) expect(reply.headers.etag).toBe('"v1"');
    if (method === 'HEAD') expect(reply.headers['content-length']).toBe('4321');
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ status, errorCode: undefined });
  });
});
