import { once } from 'node:events';
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { afterEach } from 'vitest';
import type {
  AccessEvent,
  Proxy as NexoProxy,
  ProxyOptions,
  ProxyTarget,
  TargetOptions,
} from '../src/index.js';
import { createProxy, serverOptions } from '../src/index.js';

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  const pending = cleanups.splice(0).reverse();
  for (const cleanup of pending) await cleanup();
});

/** Registers a cleanup run after the current test, newest first. */
export function onCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

/** Listens on 127.0.0.1 port 0 and closes the server (and its sockets) after the test. */
export async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => closeServer(server));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: NetServer): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  (server as Partial<Server>).closeAllConnections?.();
  await closed;
}

/** An upstream HTTP/1.1 server; `origin` is its `http://127.0.0.1:port`. */
export async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<{ server: Server; origin: string; port: number }> {
  // A request the proxy aborted makes async handlers reject; that is expected here.
  const server = http.createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(() => res.destroy());
  });
  const port = await listen(server);
  return { server, origin: `http://127.0.0.1:${port}`, port };
}

/**
 * An origin that nothing listens on (a port bound, then released). Call it only once
 * every server of the test is listening, so none of them can be handed that port.
 */
export async function deadOrigin(): Promise<string> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

export interface ProxyUnderTest {
  proxy: NexoProxy;
  target: ProxyTarget;
  server: Server;
  port: number;
  events: AccessEvent[];
}

/** A node:http server that sends every request and upgrade to one target. */
export async function startProxy(
  targetOptions: TargetOptions | (() => Promise<TargetOptions>),
  options: ProxyOptions = {},
  configure?: (server: Server, proxy: NexoProxy, target: ProxyTarget) => void,
): Promise<ProxyUnderTest> {
  const events: AccessEvent[] = [];
  const proxy = createProxy({ ...options, onAccess: (event) => events.push(event) });
  const server = http.createServer(serverOptions(options));
  onCleanup(() => proxy.close({ deadlineMs: 100 }));
  const port = await listen(server);

  // Built after listening so that a deadOrigin() in the options cannot be this port.
  const target = proxy.createTarget(
    typeof targetOptions === 'function' ? await targetOptions() : targetOptions,
  );
  server.on('request', (req, res) => proxy.handleRequest(req, res, target));
  server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head, target));
  configure?.(server, proxy, target);
  return { proxy, target, server, port, events };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  method?: string;
  path?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: Buffer | string | Buffer[];
  localAddress?: string;
}

/** One request on a fresh connection; resolves with the whole (small) response. */
export async function send(port: number, options: SendOptions = {}): Promise<Reply> {
  const req = http.request({
    host: '127.0.0.1',
    port,
    agent: false,
    method: options.method ?? 'GET',
    path: options.path ?? '/',
    headers: options.headers,
    localAddress: options.localAddress,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  const body = options.body;
  if (Array.isArray(body)) for (const chunk of body) req.write(chunk);
  else if (body !== undefined) req.write(body);
  req.end();

  const res = await response;
  return { status: res.statusCode ?? 0, headers: res.headers, body: await readAll(res) };
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Waits until `predicate` holds, polling briefly; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An HTTP/2 cleartext server sending every request to `origin`, and a client session. */
export async function startH2Proxy(
  origin: string,
  maxBodyBytes?: number,
  events: AccessEvent[] = [],
) {
  const proxy = createProxy({ maxBodyBytes, onAccess: (event) => events.push(event) });
  const target = proxy.createTarget({ upstreams: [origin] });
  const server = http2.createServer(serverOptions(), (req, res) =>
    proxy.handleRequest(req, res, target),
  );
  onCleanup(() => proxy.close({ deadlineMs: 100 }));
  const port = await listen(server);
  const client = http2.connect(`http://127.0.0.1:${port}`);
  onCleanup(async () => client.destroy());
  return client;
}

/** One HTTP/2 request; resolves with the response headers and the whole (small) body. */
export function h2Request(
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
