import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../src/index.js';
import { h2Request, readAll, startH2Proxy, startUpstream, waitFor } from './harness.js';

describe('HTTP/2 client to an HTTP/1.1 upstream', () => {
  it('maps :authority to Host, drops pseudo-headers and strips connection headers', async () => {
    const upstream = await startUpstream(async (req, res) => {
      const body = await readAll(req);
      res.writeHead(200, [
        'content-type',
        'application/json',
        'connection',
        'keep-alive',
        'keep-alive',
        'timeout=5',
        'set-cookie',
        'a=1',
        'set-cookie',
        'b=2',
      ]);
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          version: req.httpVersion,
          headers: req.headers,
          body: body.length,
        }),
      );
    });
    const client = await startH2Proxy(upstream.origin);

    const get = await h2Request(client, {
      ':method': 'GET',
      ':path': '/items?x=1',
      ':authority': 'App.Example.com',
    });
    const seen = JSON.parse(get.body);

    expect(get.headers[':status']).toBe(200);
    expect(get.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(get.headers).not.toHaveProperty('keep-alive');
    expect(seen).toMatchObject({ method: 'GET', url: '/items?x=1', version: '1.1' });
    expect(seen.headers.host).toBe('App.Example.com');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(Object.keys(seen.headers).some((name) => name.startsWith(':'))).toBe(false);
  });

  it('streams a request body without Content-Length', async () => {
    const upstream = await startUpstream(async (req, res) => {
      const body = await readAll(req);
      res.end(`${req.headers['transfer-encoding']} ${body.length}`);
    });
    const client = await startH2Proxy(upstream.origin);

    const post = await h2Request(
      client,
      { ':method': 'POST', ':path': '/upload', ':authority': 'app.example.com' },
      Buffer.alloc(300_000, 1),
    );

    expect(post.body).toBe('chunked 300000');
  });

  it('answers 413 when a streamed body passes the limit, and the session stays usable', async () => {
    const upstream = await startUpstream(async (req, res) => {
      res.end(`got ${(await readAll(req)).length}`);
    });
    const client = await startH2Proxy(upstream.origin, 100_000);

    const stream = client.request({ ':method': 'POST', ':path': '/', ':authority': 'a.example' });
    stream.on('error', () => {});
    for (let i = 0; i < 20; i++) stream.write(Buffer.alloc(16_384));
    const [headers] = await once(stream, 'response');
    stream.destroy();
    const next = await h2Request(client, { ':path': '/', ':authority': 'a.example' });

    expect(headers[':status']).toBe(413);
    expect(headers['cache-control']).toBe('no-store');
    expect(next.body).toBe('got 0');
  });

  it('finishes a request answered before its upload ended, stopping the upload', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(401).end('login first'));
    const events: AccessEvent[] = [];
    const client = await startH2Proxy(upstream.origin, undefined, events);

    const stream = client.request({
      ':method': 'POST',
      ':path': '/upload',
      ':authority': 'a.example',
      'content-length': String(4 * 1024 * 1024),
    });
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.write(Buffer.alloc(256 * 1024));
    const [headers] = await once(stream, 'response');
    await once(stream, 'end');
    // RST_STREAM(NO_ERROR) closes the stream while the upload is still pending.
    await waitFor(() => stream.closed);

    expect(headers[':status']).toBe(401);
    expect(Buffer.concat(chunks).toString()).toBe('login first');
    expect(stream.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ status: 401, errorCode: undefined });
  });

  it('aborts the upstream request when the client resets a streaming response', async () => {
    let upstreamClosed = false;
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      req.socket.on('close', () => {
        upstreamClosed = true;
      });
    });
    const events: AccessEvent[] = [];
    const client = await startH2Proxy(upstream.origin, undefined, events);

    const stream = client.request({ ':path': '/events', ':authority': 'a.example' });
    stream.on('error', () => {});
    await once(stream, 'data');
    stream.close(http2.constants.NGHTTP2_CANCEL);

    await waitFor(() => upstreamClosed);
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ errorCode: 'client_aborted' });
  });
});

describe('HTTP/2 client, upstream dying mid-body', () => {
  const cases = [
    {
      name: 'a Content-Length response cut short',
      handler: (req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-length': '100000' });
        res.write(Buffer.alloc(5_000, 120), () => setTimeout(() => req.socket.destroy(), 20));
      },
    },
    {
      name: 'a chunked response whose socket is destroyed',
      handler: (req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial', () => setTimeout(() => req.socket.destroy(), 20));
      },
    },
  ];

  it.each(cases)('resets the stream with an error code for $name', async ({ handler }) => {
    const upstream = await startUpstream(handler);
    const events: AccessEvent[] = [];
    const client = await startH2Proxy(upstream.origin, undefined, events);

    const stream = client.request({ ':path': '/', ':authority': 'a.example' });
    stream.on('error', () => {});
    const [headers] = await once(stream, 'response');
    stream.resume();
    // Not once(): it rejects on the 'error' event that the reset is expected to raise.
    await new Promise((resolve) => stream.on('close', resolve));

    expect(headers[':status']).toBe(200);
    expect(stream.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ status: 200, errorCode: 'upstream_reset' });
  });
});
