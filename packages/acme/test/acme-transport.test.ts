import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAcmeTransport } from '../src/acme-transport.js';
import { createAcmeClient, createMemoryAccountStore } from '../src/index.js';
import { silentLogger } from '../src/logger.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A loopback server answering from a list of [status, body, headers] in turn. */
async function serve(answers: Array<[number, string, Record<string, string>?]>) {
  let index = 0;
  server = createServer((_req, res) => {
    const [status, body, headers] = answers[Math.min(index++, answers.length - 1)] ?? [500, ''];
    res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dir`;
}

const transport = () =>
  createAcmeTransport({
    requestTimeoutMs: 2000,
    retry: { maxAttempts: 3, minDelayMs: 10, maxDelayMs: 100 },
    logger: silentLogger,
  });

describe('acme transport', () => {
  it('retries a GET answered 503, then returns the answer', async () => {
    const url = await serve([
      [503, '{"type":"urn:ietf:params:acme:error:serverInternal"}', { 'retry-after': '0' }],
      [200, '{"newNonce":"x"}', { 'content-type': 'application/json' }],
    ]);
    const http = transport();

    const response = await http.request(url, 'get');

    expect(response).toMatchObject({ status: 200, data: { newNonce: 'x' } });
    http.close();
  });

  it('never replays a POST and records the problem for typed errors', async () => {
    const problem = '{"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"}';
    const url = await serve([[429, problem, { 'retry-after': '120' }]]);
    const http = transport();
    const context = {};

    const response = await http.run(context, () => http.request(url, 'post', { data: {} }));

    expect(response.status).toBe(429);
    expect(context).toMatchObject({
      lastProblem: { status: 429, retryAfterMs: 120_000, problem: { detail: 'slow down' } },
    });
    http.close();
  });

  it('reports a refused connection at once as ACME_UNREACHABLE', async () => {
    const url = await serve([[200, '{}']]);
    await new Promise((resolve) => server?.close(resolve));
    const client = createAcmeClient({
      directoryUrl: url,
      accountStore: createMemoryAccountStore(),
    });

    await expect(client.ensureAccount()).rejects.toMatchObject({
      code: 'ACME_UNREACHABLE',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
    client.close();
  });
});
