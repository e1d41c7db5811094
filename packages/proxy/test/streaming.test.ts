import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startProxy, startUpstream, waitFor } from './harness.js';

const MB = 1024 * 1024;

/** Deterministic bytes, so both ends can hash what they saw. */
function chunkAt(index: number, size: number): Buffer {
  return Buffer.alloc(size, index % 251);
}

/** Writes `count` chunks honouring back-pressure; resolves when done or destroyed. */
async function writeChunks(
  stream: NodeJS.WritableStream,
  count: number,
  size: number,
  progress?: { written: number },
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const ok = stream.write(chunkAt(i, size));
    if (progress) progress.written += size;
    if (!ok) await once(stream as unknown as NodeJS.EventEmitter, 'drain');
  }
  stream.end();
}

function expectedHash(count: number, size: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) hash.update(chunkAt(i, size));
  return hash.digest('hex');
}

async function hashStream(stream: NodeJS.ReadableStream): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/** Samples `read` until it stops changing for 200 ms, and returns that value. */
async function settled(read: () => number): Promise<number> {
  let previous = -1;
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const current = read();
    if (current === previous && current > 0) return current;
    previous = current;
  }
  throw new Error('value kept changing');
}

describe('streaming', () => {
  it('streams a large upload and a large download byte for byte', async () => {
    const upCount = 36; // 9 MB in 256 KB chunks, under the 10 MB default limit
    const downCount = 128; // 32 MB
    const size = 256 * 1024;
    const upstream = await startUpstream(async (req, res) => {
      const received = await hashStream(req);
      res.writeHead(200, { 'x-upload-hash': received.hash, 'x-upload-bytes': received.bytes });
      await writeChunks(res, downCount, size);
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const req = http.request({
      host: '127.0.0.1',
      port: proxied.port,
      method: 'PUT',
      agent: false,
      headers: { 'content-length': upCount * size },
    });
    const response = once(req, 'response') as Promise<[IncomingMessage]>;
    await writeChunks(req, upCount, size);
    const [res] = await response;
    const downloaded = await hashStream(res);

    expect(res.headers['x-upload-bytes']).toBe(String(upCount * size));
    expect(res.headers['x-upload-hash']).toBe(expectedHash(upCount, size));
    expect(downloaded.bytes).toBe(downCount * size);
    expect(downloaded.hash).toBe(expectedHash(downCount, size));
    await waitFor(() => proxied.events.length === 1);
    expect(proxied.events[0]).toMatchObject({
      status: 200,
      bytesIn: upCount * size,
      bytesOut: downCount * size,
    });
  });

  it('holds the upstream back while the client does not read (back-pressure)', async () => {
    const count = 256; // 64 MB offered
    const size = 256 * 1024;
    const progress = { written: 0 };
    const upstream = await startUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-length': count * size });
      await writeChunks(res, count, size, progress).catch(() => {});
    });
    const proxied = await startProxy({ upstreams: [upstream.origin] });

    const req = http.get({ host: '127.0.0.1', port: proxied.port, agent: false });
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.pause();
    const writtenWhilePaused = await settled(() => progress.written);

    // The upstream stalls once socket and stream buffers are full: far from the whole body.
    expect(writtenWhilePaused).toBeGreaterThan(0);
    expect(writtenWhilePaused).toBeLessThan(32 * MB);

    res.resume();
    const downloaded = await hashStream(res);
    expect(downloaded.bytes).toBe(count * size);
  });

  it('relays server-sent events as they come, not cut by the header timeout', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`data: ${sent}\n\n`);
        sent++;
        if (sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    const proxied = await startProxy(
      { upstreams: [upstream.origin] },
      { timeouts: { upstreamHeadersMs: 150 } },
    );

    const req = http.get({ host: '127.0.0.1', port: proxied.port, agent: false });
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    const arrivals: string[] = [];
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => arrivals.push(chunk));
    await once(res, 'end');

    expect(res.headers['content-type']).toBe('text/event-stream');
    const text = arrivals.join('');
    expect(text).toBe(Array.from({ length: 8 }, (_, i) => `data: ${i}\n\n`).join(''));
    // Arriving in several pieces shows events were not buffered until the end.
    expect(arrivals.length).toBeGreaterThan(4);
  });
});
