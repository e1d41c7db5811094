import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { NexoConfig } from '../../src/config/types.js';
import { Reloader, type ReloadSummary } from '../../src/reload/reloader.js';
import { RecordingLogger } from './recording-logger.js';

const HEADER = 'cloudflare:\n  api_token: t\nproxies:\n';
const proxy = (host: string, port: number) =>
  `  ${host}:\n    upstream: http://127.0.0.1:${port}\n`;

const NO_CHANGE: ReloadSummary = { added: [], changed: [], removed: [], restartRequired: [] };

describe('Reloader', () => {
  let dir: string;
  let path: string;
  let logger: RecordingLogger;
  let applied: NexoConfig[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-reload-'));
    path = join(dir, 'config.yaml');
    logger = new RecordingLogger();
    applied = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function reloader(apply?: (next: NexoConfig) => Promise<ReloadSummary>): Reloader {
    return new Reloader({
      load: () => loadConfig({ path, env: {} }),
      apply:
        apply ??
        (async (next) => {
          applied.push(next);
          return NO_CHANGE;
        }),
      logger,
    });
  }

  test('an invalid file is rejected whole: every problem logged with its place, nothing applied', async () => {
    await writeFile(
      path,
      `${HEADER}${proxy('a.example.com', 1)}  b.example.com:\n    upstream: 127.0.0.1:2\nlimits:\n  max_body: huge\n`,
    );

    const outcome = await reloader().request('file');

    expect(outcome.status).toBe('invalid');
    expect(applied).toEqual([]);
    const problems = logger.lines.filter((line) => line.msg === 'config problem');
    expect(problems.map((line) => line.fields.problem)).toEqual([
      `${path}:7:15: proxies."b.example.com".upstream: must be an http(s) URL; did you mean "http://127.0.0.1:2"?`,
      `${path}:9:13: limits.max_body: must be a size such as 512KB, 10MB or 1GB (got "huge")`,
    ]);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'config rejected; keeping the running config',
      fields: { errors: 2, reason: ['file'] },
    });
  });

  test('a valid file is applied; restart-only changes are warned about; one summary line', async () => {
    await writeFile(path, `${HEADER}${proxy('a.example.com', 1)}webui: {}\n`);
    const summary: ReloadSummary = {
      added: ['a.example.com'],
      changed: [],
      removed: ['old.example.com'],
      restartRequired: ['listen.https'],
    };

    const outcome = await reloader(async (next) => {
      applied.push(next);
      return summary;
    }).request('signal');

    expect(outcome).toMatchObject({ status: 'applied', summary });
    expect(applied.map((config) => config.proxies.map((entry) => entry.host))).toEqual([
      ['a.example.com'],
    ]);
    expect(logger.lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', 'config warning'],
      ['warn', 'changed settings take effect only after a restart; everything else was applied'],
      ['info', 'config reloaded: 1 added, 0 changed, 1 removed'],
    ]);
    expect(logger.lines[1]?.fields).toEqual({ keys: ['listen.https'] });
    expect(logger.lines[2]?.fields).toMatchObject({
      reason: ['signal'],
      added: ['a.example.com'],
      removed: ['old.example.com'],
    });
  });

  test('one reload at a time; requests during a reload become one more, with the latest file', async () => {
    await writeFile(path, `${HEADER}${proxy('v1.example.com', 1)}`);
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const firstApplyBlocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const subject = reloader(async (next) => {
      active++;
      maxActive = Math.max(maxActive, active);
      applied.push(next);
      if (applied.length === 1) await firstApplyBlocked;
      active--;
      return NO_CHANGE;
    });

    const first = subject.request('file');
    while (applied.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await writeFile(path, `${HEADER}${proxy('v2.example.com', 2)}`);
    const second = subject.request('file');
    await writeFile(path, `${HEADER}${proxy('v3.example.com', 3)}`);
    const third = subject.request('signal');
    release();
    const outcomes = await Promise.all([first, second, third]);

    expect(maxActive).toBe(1);
    expect(applied.map((config) => config.proxies[0]?.host)).toEqual([
      'v1.example.com',
      'v3.example.com',
    ]);
    expect(outcomes[1]).toBe(outcomes[2]);
    expect(logger.lines.at(-1)?.fields.reason).toEqual(['file', 'signal']);
    await subject.idle();
  });

  test('an unreadable file is rejected and says why', async () => {
    const outcome = await reloader().request('file');

    expect(outcome).toEqual({ status: 'invalid', problems: [] });
    expect(logger.lines.at(-1)?.fields.detail).toMatch(/^cannot read config file .*\(ENOENT\)/);
  });

  test('a failing apply is reported and the next reload still runs', async () => {
    await writeFile(path, `${HEADER}${proxy('a.example.com', 1)}`);
    let calls = 0;
    const subject = reloader(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return NO_CHANGE;
    });

    expect((await subject.request('file')).status).toBe('failed');
    expect((await subject.request('file')).status).toBe('applied');
  });

  test('after close, requests are refused', async () => {
    await writeFile(path, `${HEADER}${proxy('a.example.com', 1)}`);
    const subject = reloader();
    await subject.close();

    expect(await subject.request('signal')).toEqual({ status: 'closed' });
    expect(applied).toEqual([]);
  });
});
