import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { readAll, send, startProxy, startUpstream, waitFor } from './harness.js';

/** An upstream that answers with the headers it received, as JSON. */
async function echoHeaders(responseHeaders: string[] = []) {
  return startUpstream((req, res) => {
    res.writeHead(200, ['content-type', 'application/json', ...responseHeaders]);
    res.end(JSON.stringify(req.headers));
  });
}

describe('header handling', () => {
  it('removes hop-by-hop headers, including those named in Connection, both ways', async () => {
    const upstream = await echoHeaders([
      'connection',
      'x-resp-hop',
      'x-resp-hop',
      'secret',
      'keep-alive',
      'timeout=5',
      'proxy-authenticate',
      'Basic',
      'x-resp-kept',
      'yes',
    ]);
    const { port } = await startProxy({ upstreams: [upstream.origin] });

    const reply = await send(port, {
      headers: {
        connection: 'keep-alive, X-Hop-One',
        'x-hop-one': 'drop me',
        'keep-alive': 'timeout=9',
        te: 'trailers',
        'proxy-authorization': 'Basic abc',
        'proxy-connection': 'keep-alive',
        'x-kept': 'kept',
      },
    });
    const seen = JSON.parse(reply.body.toString()) as Record<string, string>;

    expect(reply.status).toBe(200);
    for (const name of ['x-hop-one', 'keep-alive', 'te', 'proxy-authorization', 'trailer']) {
      expect(seen, name).not.toHaveProperty(name);
    }
    expect(seen).not.toHaveProperty('proxy-connection');
    expect(seen['x-kept']).toBe('kept');
    expect(reply.headers).not.toHaveProperty('x-resp-hop');
    expect(reply.headers).not.toHaveProperty('proxy-authenticate');
    expect(reply.headers['keep-alive']).not.toBe('timeout=5');
    expect(reply.headers['x-resp-kept']).toBe('yes');
  });

  it('replaces X-Forwarded-* sent by an untrusted peer', async () => {
    const upstream = await echoHeaders();
    const { port, events } = await startProxy(
      { upstreams: [upstream.origin] },
      { trustedProxies: ['127.0.0.1'] },
    );

    const reply = await send(port, {
      localAddress: '127.0.0.2',
      headers: {
        host: 'app.example.com',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=6.6.6.6',
        'x-real-ip': '6.6.6.6',
      },
    });
    const seen = JSON.parse(reply.body.toString()) as Record<string, string>;

    expect(seen['x-forwarded-for']).toBe('127.0.0.2');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('app.example.com');
    expect(seen.host).toBe('app.example.com');
    expect(seen).not.toHaveProperty('forwarded');
    expect(seen).not.toHaveProperty('x-real-ip');
    await waitFor(() => events.length === 1);
    expect(events[0]?.clientIp).toBe('127.0.0.2');
  });

  it('keeps X-Forwarded-* from a trusted peer; the client is the right-most untrusted', async () => {
    const upstream = await echoHeaders();
    const { port, events } = await startProxy(
      { upstreams: [upstream.origin] },
      { trustedProxies: ['127.0.0.1', '10.0.0.0/8'] },
    );

    const reply = await send(port, {
      localAddress: '127.0.0.1',
      headers: {
        host: 'app.example.com',
        'x-forwarded-for': '198.51.100.9, 203.0.113.7, 10.1.2.3',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'public.example.com',
        'x-real-ip': '203.0.113.7',
      },
    });
    const seen = JSON.parse(reply.body.toString()) as Record<string, string>;

    expect(seen['x-forwarded-for']).toBe('198.51.100.9, 203.0.113.7, 10.1.2.3, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('public.example.com');
    expect(seen['x-real-ip']).toBe('203.0.113.7');
    await waitFor(() => events.length === 1);
    expect(events[0]?.clientIp).toBe('203.0.113.7');
  });

  it('passes Host through by default and sends the upstream host when asked', async () => {
    const upstream = await echoHeaders();
    const preserve = await startProxy({ upstreams: [upstream.origin] });
    const rewrite = await startProxy({ upstreams: [upstream.origin], hostHeader: 'upstream' });

    const kept = await send(preserve.port, { headers: { host: 'Site.Example.com:8443' } });
    const rewritten = await send(rewrite.port, { headers: { host: 'site.example.com' } });

    expect(JSON.parse(kept.body.toString()).host).toBe('Site.Example.com:8443');
    expect(JSON.parse(rewritten.body.toString()).host).toBe(`127.0.0.1:${upstream.port}`);
    expect(JSON.parse(rewritten.body.toString())['x-forwarded-host']).toBe('site.example.com');
  });

  it('keeps repeated response headers such as Set-Cookie', async () => {
    const upstream = await echoHeaders(['set-cookie', 'a=1', 'set-cookie', 'b=2']);
    const { port } = await startProxy({ upstreams: [upstream.origin] });

    const reply = await send(port);

    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  const repeatedHost = [
    ['a request', 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close'],
    [
      'an upgrade',
      'GET / HTTP/1.1\r\nHost: a.example\r\nConnection: upgrade\r\nUpgrade: websocket\r\n' +
        'HOST: b.example',
    ],
  ];

  it.each(repeatedHost)('answers 400 to %s with two Host headers', async (_name, head) => {
    let reached = false;
    const upstream = await startUpstream((_req, res) => {
      reached = true;
      res.end('reached');
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const socket = net.connect(proxied.port, '127.0.0.1');
    socket.end(`${head}\r\n\r\n`);
    const reply = (await readAll(socket)).toString();

    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]).toMatchObject({ host: 'a.example', errorCode: 'bad_request' });
    expect(reached).toBe(false);
  });
});
