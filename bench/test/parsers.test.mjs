// Run with `node --test bench/test/`. Fixtures are real wrk and h2load reports captured
// against a local nginx; they pin down what the bench reads from the tools' text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseH2load, parseWrk } from '../lib/load.mjs';

const fixture = (name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('parseWrk reads rate, latency percentiles and bytes per response', () => {
  const result = parseWrk(fixture('wrk-tls-1k.txt'));

  assert.equal(result.rps, 36165.74);
  assert.equal(result.requests, 36295);
  assert.equal(result.p50Ms, 0.1);
  assert.equal(result.p99Ms, 5.8);
  assert.equal(result.errors, 0);
  // 43.75 MB over 36295 responses: a 1 KiB body plus headers.
  assert.ok(result.bytesPerResponse > 1024 && result.bytesPerResponse < 1400);
});

test('parseWrk counts non-2xx answers as errors', () => {
  const result = parseWrk(fixture('wrk-404.txt'));

  assert.equal(result.errors, 37131);
  assert.equal(result.requests, 37131);
});

test('parseWrk rejects text that is not a wrk report', () => {
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1'), /could not read wrk output/);
});

test('parseH2load reads rate, body bytes, TLS and flags a protocol other than h2', () => {
  const result = parseH2load(fixture('h2load-1k.txt'), [0.2, 0.3, 0.4, 9]);

  assert.equal(result.rps, 42041);
  assert.equal(result.requests, 42041);
  assert.equal(result.errors, 0);
  assert.equal(Math.round(result.bytesPerResponse), 1024);
  assert.equal(result.tls, 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
  assert.equal(result.note, 'negotiated http/1.1, not h2');
  assert.equal(result.p50Ms, 0.4);
  assert.equal(result.p99Ms, 9);
});

test('parseH2load reads a short count-based run (new connections)', () => {
  const result = parseH2load(fixture('h2load-new-connections.txt'), []);

  assert.equal(result.rps, 2408.71);
  assert.equal(result.requests, 200);
  assert.equal(result.bytesPerResponse, 1024);
  assert.ok(Number.isNaN(result.p50Ms));
});
