import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { CertificateStore, FileStorage } from '@nexo/certstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket, WebSocketServer } from 'ws';
import type { NexoConfig, ProxyConfig } from '../../src/config/types.js';
import { type NexoServer, startServer } from '../../src/server/index.js';
import { makeConfig, upstream } from './config-fixture.js';
import { request } from './https-client.js';
import { createMemoryLogger } from './memory-logger.js';
import { createTestCa, type TestCa } from './test-certificates.js';

const directoryUrl = 'https://127.0.0.1:9/dir';

/** Upstream: `/` answers its name, `/events` streams SSE, `/upload` counts body bytes, ws echoes. */
async function startUpstream(name: string) {
  const server = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      let n = 0;
      const timer = setInterval(() => res.write(`data: ${name} ${n++}\n\n`), 40);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/upload') {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on('end', () => res.end(`${name} received ${bytes}`));
      return;
    }
    res.end(name);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => socket.send(`${name}: ${data.toString()}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, server: server as Server, close };
}

describe('live reload', { timeout: 60_000 }, () => {
  let dir: string;
  let ca: TestCa;
  let blue: Awaited<ReturnType<typeof startUpstream>>;
  let green: Awaited<ReturnType<typeof startUpstream>>;
  let config: NexoConfig;
  let server: NexoServer;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-reload-'));
    ca = await createTestCa(dir);
    const storage = new FileStorage({ root: join(dir, 'certs') });
    const store = new CertificateStore({ storage, locker: storage });
    const issued = await ca.issue(['*.example.com', 'example.com']);
    await store.save({ names: ['*.example.com', 'example.com'], ...issued, directoryUrl });

    blue = await startUpstream('blue');
    green = await startUpstream('green');
    const base = makeConfig({ certDir: join(dir, 'certs') });
    config = makeConfig({
      certDir: join(dir, 'certs'),
      acme: { ...base.acme, directoryUrl },
      wildcards: ['*.example.com'],
      proxies: [upstream('stable.example.com', blue.url), upstream('stream.example.com', blue.url)],
    });
    server = await startServer({ config, logger: createMemoryLogger() });
    port = server.addresses.https.port;
  }, 30_000);

  afterAll(async () => {
    await server?.close({ deadlineMs: 1000 });
    await blue?.close();
    await green?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Config number `i` of a churn: hosts come, change upstream and go. */
  function churn(i: number, streamUpstream: string): NexoConfig {
    const extra: ProxyConfig[] = [];
    for (let h = 0; h < 5; h++) {
      if ((i + h) % 3 !== 0) {
        extra.push(upstream(`churn-${h}.example.com`, (i + h) % 2 === 0 ? blue.url : green.url));
      }
    }
    return {
      ...config,
      proxies: [
        upstream('stable.example.com', blue.url),
        upstream('stream.example.com', streamUpstream),
        ...extra,
      ],
    };
  }

  it('serves steady load with zero failures on stable hosts across 50 reloads', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4, ca: ca.certPem });
    const h2 = http2Connect(`https://stable.example.com:${port}`, {
      createConnection: () =>
        tlsConnect({
          host: '127.0.0.1',
          port,
          servername: 'stable.example.com',
          ca: ca.certPem,
          ALPNProtocols: ['h2'],
        }),
    });
    let stop = false;
    const failures: string[] = [];
    let completed = 0;

    const h1Worker = async () => {
      while (!stop) {
        const body = await new Promise<string>((resolve) => {
          const req = httpsRequest(
            {
              host: '127.0.0.1',
              port,
              servername: 'stable.example.com',
              headers: { host: 'stable.example.com' },
              agent,
            },
            (res: IncomingMessage) => {
              let text = '';
              res.on('data', (chunk) => {
                text += chunk;
              });
              res.on('end', () => resolve(`${res.statusCode} ${text}`));
            },
          );
          req.on('error', (error) => resolve(`error ${error.message}`));
          req.end();
        });
        if (body === '200 blue') completed++;
        else failures.push(body);
      }
    };
    const h2Worker = async () => {
      while (!stop) {
        const body = await new Promise<string>((resolve) => {
          const stream = h2.request({ ':path': '/', ':authority': 'stable.example.com' });
          let text = '';
          let status = 0;
          stream.on('response', (headers) => {
            status = Number(headers[':status']);
          });
          stream.on('data', (chunk) => {
            text += chunk;
          });
          stream.on('end', () => resolve(`${status} ${text}`));
          stream.on('error', (error) => resolve(`error ${error.message}`));
          stream.end();
        });
        if (body === '200 blue') completed++;
        else failures.push(body);
      }
    };

    const workers = [h1Worker(), h1Worker(), h1Worker(), h2Worker(), h2Worker()];
    for (let i = 0; i < 50; i++) {
      await server.applyConfig(churn(i, i % 2 === 0 ? blue.url : green.url));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stop = true;
    await Promise.all(workers);
    h2.close();
    agent.destroy();

    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(50);
  });

  it('keeps a WebSocket and a server-sent events stream open across 10 reloads', async () => {
    await server.applyConfig(churn(0, blue.url));
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, {
      ca: ca.certPem,
      servername: 'stream.example.com',
      headers: { host: 'stream.example.com' },
    } as ClientOptions & { servername: string });
    await once(ws, 'open');

    const events: string[] = [];
    const sse = http2Connect(`https://stream.example.com:${port}`, {
      createConnection: () =>
        tlsConnect({
          host: '127.0.0.1',
          port,
          servername: 'stream.example.com',
          ca: ca.certPem,
          ALPNProtocols: ['h2'],
        }),
    });
    const stream = sse.request({ ':path': '/events', ':authority': 'stream.example.com' });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => events.push(chunk));
    stream.end();
    await once(stream, 'data');

    // Reloads move the host to another upstream: open streams stay where they started.
    for (let i = 1; i <= 10; i++) {
      await server.applyConfig(churn(i, i % 2 === 0 ? blue.url : green.url));
      ws.send(`ping ${i}`);
      const [reply] = await once(ws, 'message');
      expect(String(reply)).toBe(`blue: ping ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }

    const seen = events.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.length).toBeGreaterThan(seen);
    expect(events.join('')).not.toContain('green');

    const fresh = await request({
      port,
      servername: 'stream.example.com',
      ca: ca.certPem,
      protocol: 'h2',
    });
    expect(fresh.body).toBe('blue');
    ws.close();
    sse.close();
    stream.destroy();
  });

  it('lets an in-flight slow upload complete during graceful shutdown, ends WebSockets', async () => {
    await server.applyConfig(churn(0, blue.url));
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, {
      ca: ca.certPem,
      servername: 'stream.example.com',
      headers: { host: 'stream.example.com' },
    } as ClientOptions & { servername: string });
    await once(ws, 'open');
    const wsClosed = once(ws, 'close');

    const upload = new Promise<string>((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        servername: 'stable.example.com',
        headers: { host: 'stable.example.com', 'content-type': 'application/octet-stream' },
        ca: ca.certPem,
        agent: false,
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      });
      req.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        req.write(Buffer.alloc(1024, 1));
        sent++;
        if (sent === 10) {
          clearInterval(timer);
          req.end();
        }
      }, 60);
    });

    await new Promise((resolve) => setTimeout(resolve, 150));
    const closed = server.close({ deadlineMs: 3000 });
    expect(await upload).toBe('200 blue received 10240');
    await closed;
    await wsClosed;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});
