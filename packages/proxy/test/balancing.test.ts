import { describe, expect, it } from 'vitest';
import { deadOrigin, readAll, send, startProxy, startUpstream, waitFor } from './harness.js';

async function namedUpstream(name: string, status = 200) {
  const hits = { count: 0, health: 0 };
  const upstream = await startUpstream(async (req, res) => {
    if (req.url === '/health') {
      hits.health++;
      res.writeHead(status).end();
      return;
    }
    hits.count++;
    await readAll(req);
    res.end(name);
  });
  return { ...upstream, hits };
}

async function bodies(port: number, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push((await send(port)).body.toString());
  return names;
}

describe('load balancing and health', () => {
  it('spreads requests round robin by default', async () => {
    const ups = await Promise.all(['a', 'b', 'c'].map((name) => namedUpstream(name)));
    const proxied = await startProxy({ upstreams: ups.map((up) => up.origin) });

    expect(await bodies(proxied.port, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('sends to the upstream with the fewest requests in flight with least_conn', async () => {
    let releaseSlow: () => void = () => {};
    const slow = await startUpstream((_req, res) => {
      releaseSlow = () => res.end('slow');
    });
    const fast = await namedUpstream('fast');
    const proxied = await startProxy({
      upstreams: [slow.origin, fast.origin],
      loadBalancing: 'least_conn',
    });

    const pending = send(proxied.port);
    await waitFor(() => proxied.proxy.inFlight === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await bodies(proxied.port, 3);
    releaseSlow();

    expect(next).toEqual(['fast', 'fast', 'fast']);
    expect((await pending).body.toString()).toBe('slow');
  });

  it('retries a safe bodiless request elsewhere and then skips the dead upstream', async () => {
    const live = await namedUpstream('live');
    const proxied = await startProxy(async () => ({
      upstreams: [await deadOrigin(), live.origin],
      passiveFailMs: 60_000,
    }));

    const replies = await bodies(proxied.port, 4);

    expect(replies).toEqual(['live', 'live', 'live', 'live']);
    expect(live.hits.count).toBe(4);
    expect(proxied.events.every((event) => event.upstream === live.origin)).toBe(true);
  });

  it('does not retry a request with a body', async () => {
    const live = await namedUpstream('live');
    const proxied = await startProxy(async () => ({
      upstreams: [await deadOrigin(), live.origin],
    }));

    const reply = await send(proxied.port, { method: 'POST', body: 'payload' });

    expect(reply.status).toBe(502);
    expect(live.hits.count).toBe(0);
  });

  it('does not retry an unsafe method even without a body', async () => {
    const live = await namedUpstream('live');
    const proxied = await startProxy(async () => ({
      upstreams: [await deadOrigin(), live.origin],
    }));

    const reply = await send(proxied.port, { method: 'DELETE' });

    expect(reply.status).toBe(502);
    expect(live.hits.count).toBe(0);
  });

  it('takes an upstream out while its active health check fails', async () => {
    const sick = await namedUpstream('sick', 500);
    const well = await namedUpstream('well');
    const proxied = await startProxy({
      upstreams: [sick.origin, well.origin],
      healthCheck: { path: '/health', intervalMs: 30, timeoutMs: 500 },
    });

    // By the third probe the answers to the earlier ones have been applied.
    await waitFor(() => sick.hits.health >= 3 && well.hits.health >= 3);

    expect(await bodies(proxied.port, 4)).toEqual(['well', 'well', 'well', 'well']);
  });

  it('shares one pool per origin between targets and keeps it across a reload', async () => {
    const up = await namedUpstream('shared');
    const proxied = await startProxy({ upstreams: [up.origin] });

    const connections = new Set<string>();
    up.server.on('connection', (socket) => connections.add(`${socket.remotePort}`));
    expect((await send(proxied.port)).body.toString()).toBe('shared');

    // Reload: a new target for the same upstream first, then the old one released.
    const replacement = proxied.proxy.createTarget({ upstreams: [up.origin] });
    proxied.target.release();
    const server = proxied.server;
    server.removeAllListeners('request');
    server.on('request', (req, res) => proxied.proxy.handleRequest(req, res, replacement));
    expect((await send(proxied.port)).body.toString()).toBe('shared');
    replacement.release();

    expect(connections.size).toBe(1);
  });
});
