import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { deadOrigin, send, startProxy, startUpstream, waitFor } from './harness.js';

describe('upstream failures', () => {
  it('answers 502 when the upstream refuses the connection', async () => {
    const proxied = await startProxy(async () => ({ upstreams: [await deadOrigin()] }));

    const reply = await send(proxied.port);

    expect(reply.status).toBe(502);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body.toString()).toBe('502 Bad Gateway\n');
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]).toMatchObject({ status: 502, errorCode: 'upstream_refused' });
  });

  it('answers 502 when the upstream resets the connection', async () => {
    const upstream = await startUpstream((req) => req.socket.destroy());
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const reply = await send(proxied.port, { method: 'POST', body: 'x' });

    expect(reply.status).toBe(502);
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]?.errorCode).toBe('upstream_reset');
  });

  it('answers 504 when the upstream sends no headers in time', async () => {
    const upstream = await startUpstream(() => {});
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      { timeouts: { upstreamHeadersMs: 150 } },
    );

    const reply = await send(proxied.port);

    expect(reply.status).toBe(504);
    expect(reply.headers['cache-control']).toBe('no-store');
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]?.errorCode).toBe('upstream_timeout');
  });

  it('answers 503 when the active health check finds no healthy upstream', async () => {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(req.url === '/health' ? 500 : 200).end('app');
    });
    const proxied = await startProxy({
      upstreams: [upstream.origin],
      healthCheck: { path: '/health', intervalMs: 50, timeoutMs: 500 },
    });

    let reply = await send(proxied.port);
    for (let i = 0; reply.status !== 503 && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reply = await send(proxied.port);
    }

    expect(reply.status).toBe(503);
    expect(reply.body.toString()).toBe('503 Service Unavailable\n');
    expect(proxied.events.at(-1)?.errorCode).toBe('no_healthy_upstream');
  });

  it('cuts a response whose upstream dies mid-body instead of ending it cleanly', async () => {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100), () => setTimeout(() => req.socket.destroy(), 20));
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const outcome = await send(proxied.port).then(
      () => 'complete',
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );

    expect(outcome).not.toBe('complete');
  });

  it('reports a client that breaks off its upload as client_aborted, not an upstream fault', async () => {
    const upstream = await startUpstream(async (req, res) => {
      for await (const _chunk of req) {
        // read until the proxy aborts
      }
      res.end('unreachable');
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const req = http.request({
      host: '127.0.0.1',
      port: proxied.port,
      method: 'POST',
      agent: false,
      headers: { 'content-length': 1_000_000 },
    });
    req.on('error', () => {});
    req.write(Buffer.alloc(1000));
    await waitFor(() => proxied.proxy.inFlight === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    req.destroy();

    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]).toMatchObject({ status: 0, errorCode: 'client_aborted' });
  });
});
