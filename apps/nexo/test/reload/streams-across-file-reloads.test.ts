import { once } from 'node:events';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore, FileStorage } from '@nexo/certstore';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ClientOptions, WebSocket, WebSocketServer } from 'ws';
import { type NexoProcess, startNexo } from '../e2e/nexo-process.js';
import { createTestCa, type TestCa } from '../server/test-certificates.js';

const DIRECTORY_URL = 'https://127.0.0.1:9/directory';
const RELOADS = 15;

/** `/` answers the name, `/events` streams server-sent events, WebSocket echoes. */
async function startUpstream(name: string) {
  const server = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      let n = 0;
      const timer = setInterval(() => res.write(`data: ${name} ${n++}\n\n`), 50);
      res.on('close', () => clearInterval(timer));
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
  const close = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/**
 * The whole live path in a separate process — editor save, watcher, reloader, route swap —
 * under steady load, with a WebSocket and an SSE stream open throughout.
 */
describe('streams and steady load across file-driven reloads', { timeout: 120_000 }, () => {
  let dir: string;
  let configPath: string;
  let ca: TestCa;
  let blue: Awaited<ReturnType<typeof startUpstream>>;
  let green: Awaited<ReturnType<typeof startUpstream>>;
  let nexo: NexoProcess | undefined;

  /** Config number `i`: stable stays, stream alternates upstreams, churn hosts come and go. */
  const configText = (i: number) => {
    const proxies = [
      ['stable.example.com', blue.url],
      ['stream.example.com', i % 2 === 0 ? blue.url : green.url],
      ...[0, 1, 2, 3]
        .filter((h) => (i + h) % 3 !== 0)
        .map((h) => [`churn-${h}.example.com`, (i + h) % 2 === 0 ? blue.url : green.url]),
    ];
    return `base_dir: ${dir}
cert_dir: ${dir}/certs
cloudflare:
  api_token: test-token
  api_url: http://127.0.0.1:9/client/v4
acme:
  directory: ${DIRECTORY_URL}
wildcards: ["*.example.com"]
listen:
  https: 127.0.0.1:0
log:
  format: json
proxies:
${proxies.map(([host, url]) => `  ${host}:\n    upstream: ${url}\n`).join('')}`;
  };

  /** Saves like an editor: write a temporary file, rename it over the config. */
  async function save(text: string): Promise<void> {
    await writeFile(`${configPath}.tmp`, text);
    await rename(`${configPath}.tmp`, configPath);
  }

  const reloadsApplied = () =>
    nexo?.logs.filter((entry) => entry.msg?.startsWith('config reloaded') === true).length ?? 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-streams-'));
    ca = await createTestCa(dir);
    const storage = new FileStorage({ root: join(dir, 'certs') });
    const store = new CertificateStore({ storage, locker: storage });
    const names = ['*.example.com', 'example.com'];
    await store.save({ names, ...(await ca.issue(names)), directoryUrl: DIRECTORY_URL });
    blue = await startUpstream('blue');
    green = await startUpstream('green');
    configPath = join(dir, 'config.yaml');
    await writeFile(configPath, configText(0));
    nexo = await startNexo(configPath);
  }, 60_000);

  afterAll(async () => {
    await nexo?.stop();
    await blue?.close();
    await green?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test(`${RELOADS} saves: zero failed requests on the stable host, WebSocket and SSE stay up`, async () => {
    const port = nexo!.httpsPort;
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, {
      ca: ca.certPem,
      servername: 'stream.example.com',
      headers: { host: 'stream.example.com' },
    } as ClientOptions);
    await once(ws, 'open');
    const echoes: string[] = [];
    ws.on('message', (data) => echoes.push(data.toString()));
    let wsClosed = false;
    ws.on('close', () => {
      wsClosed = true;
    });

    const events = await openEventStream(port, 'stream.example.com', ca.certPem);
    const load = startLoad(port, 'stable.example.com', ca.certPem);

    for (let i = 1; i <= RELOADS; i++) {
      await save(configText(i));
      await expect.poll(reloadsApplied, { timeout: 20_000, interval: 20 }).toBe(i);
      ws.send(`ping ${i}`);
    }
    const eventsAtEnd = events.received.length;
    await expect
      .poll(() => events.received.length, { timeout: 5_000 })
      .toBeGreaterThan(eventsAtEnd);
    const result = await load.stop();

    expect(result.failures).toEqual([]);
    expect(result.completed).toBeGreaterThan(RELOADS);
    await expect.poll(() => echoes.length, { timeout: 5_000 }).toBe(RELOADS);
    // Opened on blue; stream.example.com moved between upstreams, the open socket did not.
    expect(new Set(echoes.map((echo) => echo.split(':')[0]))).toEqual(new Set(['blue']));
    expect(new Set(events.received.map((event) => event.split(' ')[0]))).toEqual(new Set(['blue']));
    expect(wsClosed).toBe(false);
    expect(events.ended()).toBe(false);

    ws.close();
    events.close();
    // A new connection to the changed host goes to its current upstream.
    expect(await getOnce(port, 'stream.example.com', { ca: ca.certPem })).toBe(
      `200 ${RELOADS % 2 === 0 ? 'blue' : 'green'}`,
    );
  });
});

function openEventStream(port: number, host: string, ca: string) {
  return new Promise<{ received: string[]; ended: () => boolean; close: () => void }>(
    (resolve, reject) => {
      const received: string[] = [];
      let ended = false;
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          servername: host,
          ca,
          path: '/events',
          headers: { host },
          agent: false,
        },
        (res: IncomingMessage) => {
          let buffer = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            buffer += chunk;
            const parts = buffer.split('\n\n');
            buffer = parts.pop() ?? '';
            for (const part of parts) received.push(part.replace(/^data: /, ''));
          });
          res.on('close', () => {
            ended = true;
          });
          resolve({ received, ended: () => ended, close: () => req.destroy() });
        },
      );
      req.on('error', (error) => {
        ended = true;
        reject(error);
      });
      req.end();
    },
  );
}

/**
 * One GET over a fresh connection (`ca`) or a keep-alive agent's. Resolves `<status> <body>`
 * or `error <message>`, never rejects: the load counts failures instead of stopping.
 */
function getOnce(port: number, host: string, via: { ca: string } | { agent: Agent }) {
  const connection = 'agent' in via ? via : { ca: via.ca, agent: false as const };
  return new Promise<string>((resolve) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, servername: host, headers: { host }, ...connection },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      },
    );
    req.on('error', (error) => resolve(`error ${error.message}`));
    req.end();
  });
}

/** Three keep-alive HTTP/1.1 clients asking the stable host in a loop. */
function startLoad(port: number, host: string, ca: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 3, ca });
  const failures: string[] = [];
  let completed = 0;
  let stopped = false;

  const worker = async () => {
    while (!stopped) {
      const outcome = await getOnce(port, host, { agent });
      if (outcome === '200 blue') completed++;
      else failures.push(outcome);
    }
  };
  const workers = [worker(), worker(), worker()];

  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
      return { failures, completed };
    },
  };
}
