import http, { type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readAll, startProxy, startUpstream } from './harness.js';

interface ContinueOutcome {
  status: number;
  continues: number;
  body: string;
}

/** Sends a body only after a `100 Continue`, as curl and browsers do. */
function sendWithExpect(port: number, body: Buffer): Promise<ContinueOutcome> {
  return new Promise((resolve, reject) => {
    let continues = 0;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      agent: false,
      headers: { expect: '100-continue', 'content-length': body.length },
    });
    req.on('information', (info) => {
      if (info.statusCode === 100) continues++;
    });
    req.on('continue', () => req.end(body));
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      readAll(res).then(
        (data) => resolve({ status: res.statusCode ?? 0, continues, body: data.toString() }),
        reject,
      );
    });
  });
}

async function echoLengthUpstream() {
  return startUpstream(async (req, res) => {
    const body = await readAll(req);
    res.end(`got ${body.length}, expect=${String(req.headers.expect)}`);
  });
}

function withCheckContinue(server: http.Server, handle: http.RequestListener): void {
  server.on('checkContinue', handle);
}

describe('Expect: 100-continue', () => {
  it('refuses an oversized body with 413 and no 100 Continue', async () => {
    const upstream = await echoLengthUpstream();
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      { maxBodyBytes: 100 },
      (server, proxy, target) =>
        withCheckContinue(server, (req, res) => proxy.handleCheckContinue(req, res, target)),
    );

    const outcome = await sendWithExpect(proxied.port, Buffer.alloc(1000));

    expect(outcome).toMatchObject({ status: 413, continues: 0 });
  });

  it('sends exactly one 100 Continue, then forwards the body without Expect', async () => {
    const upstream = await echoLengthUpstream();
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      {},
      (server, proxy, target) =>
        withCheckContinue(server, (req, res) => proxy.handleCheckContinue(req, res, target)),
    );

    const outcome = await sendWithExpect(proxied.port, Buffer.alloc(50));

    expect(outcome).toEqual({ status: 200, continues: 1, body: 'got 50, expect=undefined' });
  });

  it('keeps to one 100 when node:http already sent it (no checkContinue listener)', async () => {
    const upstream = await echoLengthUpstream();
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const outcome = await sendWithExpect(proxied.port, Buffer.alloc(50));

    expect(outcome).toEqual({ status: 200, continues: 1, body: 'got 50, expect=undefined' });
  });

  it('relays an early final response from the upstream', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('login first');
    });
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      {},
      (server, proxy, target) =>
        withCheckContinue(server, (req, res) => proxy.handleCheckContinue(req, res, target)),
    );

    const outcome = await sendWithExpect(proxied.port, Buffer.alloc(50));

    expect(outcome.status).toBe(401);
    expect(outcome.body).toBe('login first');
    expect(outcome.continues).toBeLessThanOrEqual(1);
  });
});
