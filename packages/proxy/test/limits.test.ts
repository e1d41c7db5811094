import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readAll, send, startProxy, startUpstream, waitFor } from './harness.js';

async function countingUpstream() {
  const seen = { requests: 0 };
  const upstream = await startUpstream(async (req, res) => {
    seen.requests++;
    const body = await readAll(req);
    res.end(`got ${body.length}`);
  });
  return { ...upstream, seen };
}

describe('limits', () => {
  it('answers 413 from Content-Length alone, without calling the upstream', async () => {
    const upstream = await countingUpstream();
    const proxied = await startProxy({ upstreams: [upstream.origin] }, { maxBodyBytes: 1000 });

    const reply = await send(proxied.port, { method: 'POST', body: Buffer.alloc(5000) });

    expect(reply.status).toBe(413);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(upstream.seen.requests).toBe(0);
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]?.errorCode).toBe('body_too_large');
  });

  it('lets a body of exactly the limit through', async () => {
    const upstream = await countingUpstream();
    const proxied = await startProxy({ upstreams: [upstream.origin] }, { maxBodyBytes: 1000 });

    const reply = await send(proxied.port, { method: 'POST', body: Buffer.alloc(1000) });

    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('got 1000');
  });

  it('answers 413 when a chunked body grows past the limit while streaming', async () => {
    const upstream = await countingUpstream();
    const proxied = await startProxy({ upstreams: [upstream.origin] }, { maxBodyBytes: 1000 });

    const req = http.request({
      host: '127.0.0.1',
      port: proxied.port,
      method: 'POST',
      agent: false,
      headers: { 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => {});
    const response = once(req, 'response') as Promise<[IncomingMessage]>;
    for (let i = 0; i < 4; i++) req.write(Buffer.alloc(400));

    const [res] = await response;
    req.destroy();

    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
  });

  it('passes a chunked body under the limit', async () => {
    const upstream = await countingUpstream();
    const proxied = await startProxy({ upstreams: [upstream.origin] }, { maxBodyBytes: 1000 });

    const reply = await send(proxied.port, {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: [Buffer.alloc(300), Buffer.alloc(300)],
    });

    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('got 600');
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]?.bytesIn).toBe(600);
  });

  it('answers 431 to request headers over the limit', async () => {
    const upstream = await countingUpstream();
    const proxied = await startProxy({ upstreams: [upstream.origin] }, { maxHeaderBytes: 8192 });

    const reply = await send(proxied.port, { headers: { 'x-big': 'a'.repeat(10_000) } });

    expect(reply.status).toBe(431);
    expect(upstream.seen.requests).toBe(0);
  });
});
