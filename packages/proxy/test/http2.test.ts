import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { createProxy, serverOptions } from '../src/index.js';
import { listen, onCleanup, readAll, startUpstream } from './harness.js';

async function startH2Proxy(origin: string) {
  const proxy = createProxy();
  const target = proxy.createTarget({ upstreams: [origin] });
  const server = http2.createServer(serverOptions(), (req, res) =>
    proxy.handleRequest(req, res, target),
  );
  onCleanup(() => proxy.close({ deadlineMs: 100 }));
  const port = await listen(server);
  const client = http2.connect(`http://127.0.0.1:${port}`);
  onCleanup(async () => client.close());
  return client;
}

function h2Request(
  client: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
): Promise<{ headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: body === undefined });
    stream.on('error', reject);
    stream.on('response', (responseHeaders) => {
      readAll(stream).then(
        (data) => resolve({ headers: responseHeaders, body: data.toString() }),
        reject,
      );
    });
    if (body !== undefined) stream.end(body);
  });
}

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
});
