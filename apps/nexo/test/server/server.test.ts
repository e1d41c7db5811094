import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { CertificateStore, FileStorage } from '@nexo/certstore';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NexoConfig } from '../../src/config/types.js';
import { startServer } from '../../src/server/index.js';
import { makeConfig, redirect, upstream } from './config-fixture.js';
import { request } from './https-client.js';
import { createMemoryLogger } from './memory-logger.js';
import { createTestCa, type TestCa } from './test-certificates.js';

let ca: TestCa;
let caDir: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), 'nexo-server-ca-'));
  ca = await createTestCa(caDir);
  return () => rm(caDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An upstream that answers with its name and the Host it saw; `/slow` waits first. */
async function startUpstream(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const reply = () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${name} ${req.headers.host} ${req.url}`);
    };
    if (req.url?.startsWith('/slow')) setTimeout(reply, 600);
    else reply();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** A cert dir holding certificates for `names` (one certificate per list), as if obtained. */
async function certDirWith(config: { directoryUrl: string }, certificates: string[][]) {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-server-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const storage = new FileStorage({ root: dir });
  const store = new CertificateStore({ storage, locker: storage });
  for (const names of certificates) {
    const issued = await ca.issue(names);
    await store.save({ names, ...issued, directoryUrl: config.directoryUrl });
  }
  return dir;
}

async function start(config: NexoConfig) {
  const logger = createMemoryLogger();
  const server = await startServer({ config, logger });
  cleanups.push(() => server.close({ deadlineMs: 1000 }));
  return { server, logger, port: server.addresses.https.port };
}

// Unreachable on purpose: serving must never wait for the CA.
const directoryUrl = 'https://127.0.0.1:9/dir';

async function exampleServer(extra: Partial<NexoConfig> = {}) {
  const api = await startUpstream('api');
  const blog = await startUpstream('blog');
  const certDir = await certDirWith({ directoryUrl }, [
    ['*.example.com', 'example.com'],
    ['other.test'],
  ]);
  const config = makeConfig({
    certDir,
    acme: { ...makeConfig({ certDir }).acme, directoryUrl },
    wildcards: ['*.example.com'],
    proxies: [
      upstream('api.example.com', api.url),
      upstream('blog.example.com', blog.url),
      redirect('example.com', 'https://github.com/yourusername'),
      upstream('other.test', api.url),
    ],
    ...extra,
  });
  return { ...(await start(config)), config, api, blog };
}

/** One host with a stored certificate and a 200 ms idle timeout; resolves to the port. */
async function shortIdleServer(host: string, upstreamUrl: string): Promise<number> {
  const certDir = await certDirWith({ directoryUrl }, [[host]]);
  const base = makeConfig({ certDir });
  const { port } = await start(
    makeConfig({
      certDir,
      acme: { ...base.acme, directoryUrl },
      limits: { ...base.limits, idleTimeoutMs: 200 },
      proxies: [upstream(host, upstreamUrl)],
    }),
  );
  return port;
}

describe('startServer', { timeout: 30_000 }, () => {
  it.each(['http/1.1', 'h2'] as const)(
    'serves stored certificates at once and proxies over %s',
    async (protocol) => {
      const { port } = await exampleServer();

      const api = await request({ port, servername: 'api.example.com', ca: ca.certPem, protocol });
      expect(api).toMatchObject({ status: 200, alpn: protocol, body: 'api api.example.com /' });

      const blog = await request({
        port,
        servername: 'blog.example.com',
        path: '/post?id=1',
        ca: ca.certPem,
        protocol,
      });
      expect(blog.body).toBe('blog blog.example.com /post?id=1');
    },
  );

  // Regression: the idle timeout was a socket inactivity timeout, so a response that stayed
  // quiet longer (server-sent events, long polling) was cut over both protocols.
  it.each(['http/1.1', 'h2'] as const)(
    'never cuts a quiet response in progress at the idle timeout (%s)',
    async (protocol) => {
      const quiet = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('a');
        setTimeout(() => res.end('b'), 900);
      });
      quiet.listen(0, '127.0.0.1');
      await once(quiet, 'listening');
      cleanups.push(() => new Promise((resolve) => quiet.close(resolve)));
      const url = `http://127.0.0.1:${(quiet.address() as AddressInfo).port}`;
      const port = await shortIdleServer('quiet.test', url);

      const reply = await request({ port, servername: 'quiet.test', ca: ca.certPem, protocol });

      expect(reply).toMatchObject({ status: 200, body: 'ab' });
    },
  );

  it('accepts as many header fields over HTTP/2 as over HTTP/1.1', async () => {
    const { port } = await exampleServer();
    const session = connectHttp2(`https://127.0.0.1:${port}`, {
      ca: ca.certPem,
      servername: 'api.example.com',
    });
    cleanups.push(async () => session.destroy());
    const headers: Record<string, string> = { ':path': '/', ':authority': 'api.example.com' };
    for (let i = 0; i < 300; i++) headers[`x-field-${i}`] = 'v';

    const stream = session.request(headers);
    const [response] = await once(stream, 'response');
    stream.resume();

    expect(response[':status']).toBe(200);
  });

  it('closes an HTTP/2 connection that stays idle past the idle timeout', async () => {
    const api = await startUpstream('api');
    const port = await shortIdleServer('idle.test', api.url);
    const session = connectHttp2(`https://127.0.0.1:${port}`, {
      ca: ca.certPem,
      servername: 'idle.test',
    });
    cleanups.push(async () => session.destroy());

    const stream = session.request({ ':path': '/', ':authority': 'idle.test' });
    stream.resume();
    await once(stream, 'end');
    const closedAt = Date.now();
    await once(session, 'close');

    expect(Date.now() - closedAt).toBeLessThan(5000);
  });

  it('answers an unknown host with a small 404 that is never cached', async () => {
    const { port } = await exampleServer();
    const res = await request({
      port,
      servername: 'api.example.com',
      host: 'nope.example.com',
      ca: ca.certPem,
      protocol: 'http/1.1',
    });
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toContain('nope');
  });

  it.each(['http/1.1', 'h2'] as const)(
    'answers 421 when the connection certificate does not cover the Host (%s)',
    async (protocol) => {
      const { port } = await exampleServer();
      const res = await request({
        port,
        servername: 'other.test',
        host: 'api.example.com',
        ca: ca.certPem,
        protocol,
      });
      expect(res.status).toBe(421);
    },
  );

  it('lets a connection for the wildcard serve another covered host', async () => {
    const { port } = await exampleServer();
    const res = await request({
      port,
      servername: 'api.example.com',
      host: 'blog.example.com',
      ca: ca.certPem,
      protocol: 'h2',
    });
    expect(res.body).toBe('blog blog.example.com /');
  });

  it('redirects a redirect host like the original nexo (307, path dropped)', async () => {
    const { port } = await exampleServer();
    const res = await request({
      port,
      servername: 'example.com',
      path: '/some/path',
      ca: ca.certPem,
      protocol: 'http/1.1',
    });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe('https://github.com/yourusername');
  });

  // RFC 9112 §3.2. Regression: routing used the first Host, the proxy forwarded the last.
  it.each([
    ['a proxied host', 'api.example.com'],
    ['a redirect host', 'example.com'],
    ['an unknown host', 'nope.example.com'],
  ])('answers 400 to two Host headers, the first naming %s', async (_name, first) => {
    const { port, api } = await exampleServer();
    let reached = false;
    api.server.on('request', () => {
      reached = true;
    });

    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'api.example.com',
      ca: ca.certPem,
      ALPNProtocols: ['http/1.1'],
    });
    socket.end(`GET / HTTP/1.1\r\nHost: ${first}\r\nHost: blog.example.com\r\n\r\n`);
    let reply = '';
    for await (const chunk of socket) reply += chunk;

    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reached).toBe(false);
  });

  it('applies a new config: added, changed and removed hosts, restart-only keys', async () => {
    const { server, port, config, blog, logger } = await exampleServer();
    const next: NexoConfig = {
      ...config,
      listen: { ...config.listen, https: { host: '127.0.0.1', port: 1, text: '127.0.0.1:1' } },
      proxies: [
        upstream('api.example.com', blog.url),
        upstream('new.example.com', blog.url),
        redirect('example.com', 'https://github.com/yourusername'),
      ],
    };

    const diff = await server.applyConfig(next);
    expect(diff).toEqual({
      added: ['new.example.com'],
      changed: ['api.example.com'],
      removed: ['blog.example.com', 'other.test'],
      restartRequired: ['listen.https'],
    });
    expect(logger.lines.some((line) => line.msg === 'config applied')).toBe(true);

    const get = (host: string) =>
      request({ port, servername: host, ca: ca.certPem, protocol: 'http/1.1' });
    expect((await get('api.example.com')).body).toBe('blog api.example.com /');
    expect((await get('new.example.com')).body).toBe('blog new.example.com /');
    expect((await get('blog.example.com')).status).toBe(404);
  });

  it('finishes a request in flight on the route it started on', async () => {
    const { server, port, config, api } = await exampleServer();
    const inFlight = request({
      port,
      servername: 'api.example.com',
      path: '/slow',
      ca: ca.certPem,
      protocol: 'h2',
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await server.applyConfig({ ...config, proxies: [upstream('other.test', api.url)] });

    const res = await inFlight;
    expect(res).toMatchObject({ status: 200, body: 'api api.example.com /slow' });
  });

  it('closes gracefully: the request in flight completes, new connections are refused', async () => {
    const { server, port } = await exampleServer();
    const inFlight = request({
      port,
      servername: 'api.example.com',
      path: '/slow',
      ca: ca.certPem,
      protocol: 'http/1.1',
    });
    await new Promise((resolve) => setTimeout(resolve, 150));

    const closed = server.close({ deadlineMs: 5000 });
    expect((await inFlight).status).toBe(200);
    await closed;
    await expect(
      request({ port, servername: 'api.example.com', ca: ca.certPem, protocol: 'http/1.1' }),
    ).rejects.toThrow();
  });

  it('redirects plain HTTP for configured hosts only, never echoing an unknown Host', async () => {
    const { server, port } = await exampleServer({
      listen: {
        https: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
        http: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
      },
    });
    const httpPort = server.addresses.http?.port ?? 0;
    const get = (host: string) =>
      new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: httpPort, path: '/a?b=1', headers: { host } },
          (res) => {
            let body = '';
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });

    expect(await get('api.example.com')).toMatchObject({
      status: 308,
      location: `https://api.example.com:${port}/a?b=1`,
    });
    const unknown = await get('evil.invalid');
    expect(unknown.status).toBe(404);
    expect(unknown.body).not.toContain('evil');
  });

  it('records a failed attempt with a backoff when the CA is unreachable', async () => {
    const api = await startUpstream('api');
    const certDir = await certDirWith({ directoryUrl }, [['api.example.com']]);
    const base = makeConfig({ certDir });
    const config = makeConfig({
      certDir,
      acme: { ...base.acme, directoryUrl },
      proxies: [upstream('api.example.com', api.url), upstream('missing.example.com', api.url)],
    });
    const { port, logger } = await start(config);

    const res = await request({
      port,
      servername: 'api.example.com',
      ca: ca.certPem,
      protocol: 'h2',
    });
    expect(res.status).toBe(200);

    const storage = new FileStorage({ root: certDir });
    const store = new CertificateStore({ storage });
    await expect
      .poll(() => store.loadMeta(directoryUrl, 'missing.example.com'), { timeout: 20_000 })
      .toMatchObject({ failureCount: 1 });
    const meta = await store.loadMeta(directoryUrl, 'missing.example.com');
    expect(meta?.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now());
    expect(logger.lines.some((line) => line.msg === 'certificate attempt failed')).toBe(true);
  });

  it('answers Expect: 100-continue with 413 when the announced body is too large', async () => {
    const { port } = await exampleServer({
      limits: { ...makeConfig({ certDir: '/tmp' }).limits, maxBodyBytes: 1000 },
    });
    const send = (length: number) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          servername: 'api.example.com',
          headers: { host: 'api.example.com', expect: '100-continue', 'content-length': length },
          ca: ca.certPem,
          agent: false,
        });
        req.on('continue', () => req.end(Buffer.alloc(length)));
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });

    expect(await send(5000)).toBe(413);
    expect(await send(10)).toBe(200);
  });

  it("serves the original nexo's <cert_dir>/<name>.crt files", async () => {
    const api = await startUpstream('api');
    const certDir = await mkdtemp(join(tmpdir(), 'nexo-legacy-'));
    cleanups.push(() => rm(certDir, { recursive: true, force: true }));
    const legacy = await ca.issue(['*.example.com']);
    await writeFile(join(certDir, '*.example.com.crt'), legacy.certificatePem);
    await writeFile(join(certDir, '*.example.com.key'), legacy.privateKeyPem, { mode: 0o600 });

    const base = makeConfig({ certDir });
    const { port } = await start(
      makeConfig({
        certDir,
        acme: { ...base.acme, directoryUrl },
        wildcards: ['*.example.com'],
        proxies: [upstream('api.example.com', api.url)],
      }),
    );
    const res = await request({
      port,
      servername: 'api.example.com',
      ca: ca.certPem,
      protocol: 'h2',
    });
    expect(res.body).toBe('api api.example.com /');
  });

  it('keeps the persisted backoff across a restart instead of retrying at once', async () => {
    const api = await startUpstream('api');
    const certDir = await certDirWith({ directoryUrl }, []);
    const base = makeConfig({ certDir });
    const config = makeConfig({
      certDir,
      acme: { ...base.acme, directoryUrl },
      renewal: { ...base.renewal, backoffInitialMs: 60_000, backoffMaxMs: 120_000 },
      proxies: [upstream('missing.example.com', api.url)],
    });
    const attempts = (lines: Array<{ msg: string | undefined }>) =>
      lines.filter((line) => line.msg === 'certificate attempt started').length;

    const first = await start(config);
    await expect.poll(() => attempts(first.logger.lines), { timeout: 20_000 }).toBe(1);
    await expect
      .poll(() => first.logger.lines.some((line) => line.msg === 'certificate attempt failed'), {
        timeout: 20_000,
      })
      .toBe(true);
    await first.server.close({ deadlineMs: 500 });

    const second = await start(config);
    await expect
      .poll(() => second.logger.lines.some((line) => line.msg === 'certificate check done'))
      .toBe(true);
    expect(attempts(second.logger.lines)).toBe(0);
  });

  it('fails to start with an error naming the address when the port is taken', async () => {
    const { server, config } = await exampleServer();
    const taken = server.addresses.https;
    const clash = {
      ...config,
      listen: {
        https: { host: '127.0.0.1', port: taken.port, text: `127.0.0.1:${taken.port}` },
        http: undefined,
      },
    };
    await expect(startServer({ config: clash, logger: createMemoryLogger() })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${taken.port}: EADDRINUSE`,
    );
  });

  it('keeps warm upstream connections across reloads and closes retired pools', async () => {
    const { server, port, config, api } = await exampleServer();
    const opened: number[] = [];
    let open = 0;
    api.server.on('connection', (socket) => {
      opened.push(Date.now());
      open++;
      socket.on('close', () => {
        open--;
      });
    });
    const get = () =>
      request({ port, servername: 'api.example.com', ca: ca.certPem, protocol: 'h2' });

    await get();
    expect(opened).toHaveLength(1);
    await server.applyConfig({
      ...config,
      proxies: [...config.proxies, upstream('new.example.com', api.url)],
    });
    await get();
    expect(opened).toHaveLength(1);

    // Nothing routes to the api upstream any more: its pool closes its connections.
    const remaining = config.proxies.filter(
      (entry) => !('upstreams' in entry) || entry.upstreams[0] !== api.url,
    );
    await server.applyConfig({ ...config, proxies: remaining });
    await expect.poll(() => open, { timeout: 5000 }).toBe(0);
  });
});
