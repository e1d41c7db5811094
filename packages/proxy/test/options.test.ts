import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TargetOptions } from '../src/index.js';
import { createProxy, ProxyError, serverOptions } from '../src/index.js';
import { onCleanup, readAll, startProxy, startUpstream } from './harness.js';

describe('options', () => {
  it('derives server limits from the proxy options, with the original defaults', () => {
    expect(serverOptions()).toEqual({
      maxHeaderSize: 1024 * 1024,
      requestTimeout: 30_000,
      headersTimeout: 30_000,
      keepAliveTimeout: 120_000,
      connectionsCheckingInterval: 5_000,
      settings: { maxHeaderListSize: 1024 * 1024 },
    });
  });

  it('answers 408 to a client that does not finish its request in time', async () => {
    const upstream = await startUpstream(async (req, res) => {
      await readAll(req);
      res.end('complete');
    });
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      { timeouts: { requestMs: 300 } },
    );

    const socket = net.connect(proxied.port, '127.0.0.1');
    onCleanup(async () => socket.destroy());
    socket.write('POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 10\r\n\r\nabc');
    const reply = await readAll(socket);

    expect(reply.toString()).toMatch(/^HTTP\/1\.1 408 /);
  });

  const badTargets: Array<[string, TargetOptions, string]> = [
    ['no upstreams', { upstreams: [] }, 'at least one upstream'],
    ['no scheme', { upstreams: ['127.0.0.1:3000'] }, 'with a scheme'],
    ['another scheme', { upstreams: ['localhost:3000'] }, 'must start with http'],
    ['a path', { upstreams: ['http://127.0.0.1:3000/api'] }, 'has a path'],
    ['credentials', { upstreams: ['http://u:p@127.0.0.1:3000'] }, 'origin only'],
    ['a duplicate', { upstreams: ['http://127.0.0.1:3000', 'http://127.0.0.1:3000/'] }, 'twice'],
    [
      'bad balancing',
      { upstreams: ['http://127.0.0.1:3000'], loadBalancing: 'random' as 'least_conn' },
      'round_robin or least_conn',
    ],
    [
      'bad health path',
      { upstreams: ['http://127.0.0.1:3000'], healthCheck: { path: 'health' } },
      'start with /',
    ],
  ];

  it.each(badTargets)('rejects a target with %s', (_name, options, fragment) => {
    const proxy = createProxy();
    onCleanup(() => proxy.close({ deadlineMs: 10 }));

    expect(() => proxy.createTarget(options)).toThrow(ProxyError);
    expect(() => proxy.createTarget(options)).toThrow(fragment);
  });

  it('rejects bad trusted proxies and limits, naming them', () => {
    expect(() => createProxy({ trustedProxies: ['10.0.0.0/33'] })).toThrow('10.0.0.0/33');
    expect(() => createProxy({ trustedProxies: ['cdn.example'] })).toThrow(ProxyError);
    expect(() => createProxy({ maxBodyBytes: -1 })).toThrow('maxBodyBytes');
    expect(() => createProxy({ timeouts: { requestMs: 1.5 } })).toThrow('timeouts.requestMs');
  });
});
