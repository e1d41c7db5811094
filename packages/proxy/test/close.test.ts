import { describe, expect, it } from 'vitest';
import { send, startProxy, startUpstream, waitFor } from './harness.js';

describe('closing', () => {
  it('refuses new work with 503, lets in-flight requests finish, then resolves', async () => {
    let finish: () => void = () => {};
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/slow') finish = () => res.end('done');
      else res.end('fast');
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const slow = send(proxied.port, { path: '/slow' });
    await waitFor(() => proxied.proxy.inFlight === 1);
    const closed = proxied.proxy.close({ deadlineMs: 5_000 });
    const refused = await send(proxied.port, { path: '/new' });
    finish();

    expect(refused.status).toBe(503);
    expect((await slow).body.toString()).toBe('done');
    await closed;
    expect(proxied.proxy.inFlight).toBe(0);
    expect(() => proxied.proxy.createTarget({ upstreams: [upstream.origin] })).toThrow(/closing/);
  });

  it('cuts what is still running at the deadline', async () => {
    const upstream = await startUpstream(() => {});
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const hanging = send(proxied.port).then(
      (reply) => String(reply.status),
      () => 'cut',
    );
    await waitFor(() => proxied.proxy.inFlight === 1);
    await proxied.proxy.close({ deadlineMs: 100 });

    expect(await hanging).toMatch(/^(cut|502)$/);
  });
});
