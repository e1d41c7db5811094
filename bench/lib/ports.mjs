import net from 'node:net';

/**
 * Asks the OS for a free loopback port. The port is released before it is returned,
 * so another process could take it first; the caller's server fails loudly if so.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:port.
 * @param {number} port
 * @param {{ timeoutMs: number, intervalMs?: number, isAlive?: () => boolean }} options
 */
export async function waitForPort(port, options) {
  const deadline = performance.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 5;

  while (performance.now() < deadline) {
    if (options.isAlive && !options.isAlive()) throw new Error(`process exited before :${port}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${options.timeoutMs} ms`);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once a GET through the proxy answers 200: the proxy is ready to serve, which
 * for a proxy that listens before it has loaded its certificates is later than
 * `waitForPort`. TLS requests send `host` as SNI and skip verification (local CA).
 * @param {{ port: number, tls: boolean, host: string, path: string, timeoutMs: number,
 *   isAlive?: () => boolean }} options
 */
export async function waitForResponse(options) {
  const deadline = performance.now() + options.timeoutMs;

  while (performance.now() < deadline) {
    if (options.isAlive && !options.isAlive()) throw new Error('process exited before serving');
    if ((await statusOf(options)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no 200 from 127.0.0.1:${options.port} after ${options.timeoutMs} ms`);
}

async function statusOf({ port, tls, host, path }) {
  const client = tls ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const req = client.get({
      host: '127.0.0.1',
      port,
      path,
      headers: { host },
      servername: host,
      rejectUnauthorized: false,
      agent: false,
      timeout: 2000,
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
  });
}
