import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AcmeStack, startAcmeStack } from '@nexo/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeExampleConfig } from '../e2e/fixtures.js';
import { runBuiltCli } from './run-built-cli.js';

interface Row {
  name: string;
  names: string[];
  status: string;
  notAfter?: string;
  nextRenewalAt?: string;
  lastError?: string;
}

/** `nexo certs list` and `nexo certs renew` as a user runs them, against Pebble. */
describe('nexo certs (built binary, Pebble and the Cloudflare fake)', { timeout: 120_000 }, () => {
  let stack: AcmeStack;
  let dir: string;
  let config: { path: string; env: Record<string, string> };

  beforeAll(async () => {
    stack = await startAcmeStack({ cloudflare: { zones: ['example.com', 'example.org'] } });
    dir = await mkdtemp(join(tmpdir(), 'nexo-certs-cli-'));
    // Upstream ports are never dialled: only certificates are involved here.
    config = await writeExampleConfig({ dir, stack, apiPort: 9, blogPort: 9 });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const cli = (args: string[]) =>
    runBuiltCli([...args, '--config', config.path], {
      env: { PATH: process.env.PATH, HOME: dir, ...config.env },
    });

  test('list before anything is obtained: every planned certificate is missing', async () => {
    const result = await cli(['certs', 'list', '--json']);

    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Row[];
    expect(rows.map((row) => [row.name, row.status])).toEqual([
      ['*.example.com', 'missing'],
      ['www.example.org', 'missing'],
    ]);
    expect(rows[0]?.names).toEqual(['*.example.com', 'example.com']);
  });

  test('renew NAME obtains it now; list then shows it valid with its dates', async () => {
    const renewed = await cli(['certs', 'renew', '*.example.com']);

    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.stdout).toMatch(
      /^renewed \*\.example\.com: valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC\n$/,
    );

    const rows = JSON.parse((await cli(['certs', 'list', '--json'])).stdout) as Row[];
    const wildcard = rows.find((row) => row.name === '*.example.com');
    expect(wildcard).toMatchObject({ status: 'valid' });
    expect(Date.parse(wildcard?.notAfter ?? '')).toBeGreaterThan(Date.now());
    expect(Date.parse(wildcard?.nextRenewalAt ?? '')).toBeLessThan(
      Date.parse(wildcard?.notAfter ?? ''),
    );

    const table = await cli(['certs', 'list']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+EXPIRES\s+NEXT RENEWAL\s+NAMES\s+LAST ERROR$/);
    expect(lines[1]).toMatch(
      /^\*\.example\.com\s+valid\s+\d{4}-.* UTC\s+\d{4}-.* UTC\s+\*\.example\.com, example\.com\s+-$/,
    );
    expect(lines[2]).toMatch(/^www\.example\.org\s+missing\s+-\s+-\s+www\.example\.org\s+-$/);
  });

  test('renew of a name the config does not need fails with exit 1 and says why', async () => {
    const result = await cli(['certs', 'renew', 'other.example.net']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^nexo: renewing other\.example\.net failed: .+/m);
  });
});
