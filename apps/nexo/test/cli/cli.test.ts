import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBuiltCli } from './run-built-cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/config');
const ENV = { PATH: process.env.PATH, HOME: '/nonexistent' };

describe('nexo CLI (built binary)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('version', async () => {
    const result = await runBuiltCli(['version']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^nexo \d+\.\d+\.\d+ \(node v\d+\.\d+\.\d+\)\n$/);
  });

  test.each([
    [['--help'], 'Usage: nexo [command]'],
    [['help'], 'Usage: nexo [command]'],
    [['server', '--help'], 'Usage: nexo server'],
    [['validate', '-h'], 'Usage: nexo validate'],
    [['certs', 'list', '--help'], 'Usage: nexo certs list'],
    [['version', '--help'], 'Usage: nexo version'],
  ])('%j prints help and exits 0', async (args, start) => {
    const result = await runBuiltCli(args);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(start)).toBe(true);
    expect(result.stdout).toMatch(/Exit codes|Prints the version/);
  });

  test.each([
    [['valdate'], 'nexo: unknown command "valdate"; did you mean "validate"?'],
    [['validate', '--bogus'], "nexo validate: Unknown option '--bogus'"],
    [
      ['validate', 'extra.yaml'],
      'nexo validate: unexpected argument "extra.yaml"; use --config PATH',
    ],
    [['certs'], 'nexo certs: missing action: list or renew'],
    [['certs', 'renew'], 'nexo certs: missing certificate NAME'],
    [['certs', 'list', '--json', 'x'], 'nexo certs: unexpected "x"'],
    [['validate', '--config'], "nexo validate: Option '-c, --config <value>' argument missing"],
  ])('usage error %j exits 2 with a message and the help', async (args, message) => {
    const result = await runBuiltCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(result.stderr).toContain('Usage: nexo');
  });

  test('validate: the original nexo example is valid', async () => {
    const result = await runBuiltCli(['validate', '--config', 'original-example.yaml'], {
      cwd: FIXTURES,
      env: ENV,
    });
    expect(result).toEqual({
      code: 0,
      stdout: 'original-example.yaml: valid (3 hosts)\n',
      stderr: '',
    });
  });

  test('validate: warnings are printed, the exit code stays 0', async () => {
    const path = join(dir, 'warn.yaml');
    await writeFile(path, 'cloudflare:\n  api_token: t\nwebui:\n  port: 8080\n');

    const result = await runBuiltCli(['validate', '-c', path], { env: ENV });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${path}:3:1: warning: webui: was a feature of the original nexo that Nexo does not have; it is ignored\n` +
        `${path}: valid (0 hosts, 1 warning)\n`,
    );
  });

  describe('validate on broken files prints every problem with its place and exits 1', async () => {
    // Each `<name>.expected` holds the exact output for the config file `<name>.<ext>` (the
    // YAML syntax error case is not `.yaml`, so the repository's formatter leaves it alone).
    const names = await readdir(join(FIXTURES, 'broken'));
    const cases = names
      .filter((name) => name.endsWith('.expected'))
      .map((expected) => {
        const base = expected.replace(/\.expected$/, '');
        const file = names.find((name) => name !== expected && name.startsWith(`${base}.`));
        return { file: file ?? `${base}.yaml`, expected };
      });

    test('there are a dozen or more broken files', () => {
      expect(cases.length).toBeGreaterThanOrEqual(12);
    });

    test.each(cases)('$file', async ({ file, expected }) => {
      const output = await readFile(join(FIXTURES, 'broken', expected), 'utf8');

      const result = await runBuiltCli(['validate', '--config', `broken/${file}`], {
        cwd: FIXTURES,
        env: ENV,
      });

      expect(result.stdout).toBe(output);
      expect(result.code).toBe(1);
    });
  });

  // Regression (fresh-user test): an unreachable Redis printed "unexpected error" and a
  // stack trace. Port 1 on loopback refuses at once.
  test('certs list: unreadable storage exits 1 with its message and code', async () => {
    const path = join(dir, 'redis-down.yaml');
    await writeFile(
      path,
      [
        'acme:',
        '  directory: https://127.0.0.1:1/dir',
        'cloudflare:',
        '  api_token: t',
        '  api_url: http://127.0.0.1:1/client/v4',
        'storage:',
        '  type: redis',
        '  url: redis://127.0.0.1:1',
        '',
      ].join('\n'),
    );

    const result = await runBuiltCli(['certs', 'list', '--config', path], { cwd: dir, env: ENV });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^nexo: listing certificates failed: .*\[UNAVAILABLE\]\n$/);
  });

  test('validate: a missing file exits 1 and says what to do', async () => {
    const result = await runBuiltCli(['validate', '--config', 'absent.yaml'], {
      cwd: dir,
      env: ENV,
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'nexo: cannot read config file absent.yaml (ENOENT); create it or pass --config PATH\n',
    });
  });

  test('config path: --config, else NEXO_CONFIG, else ~/.nexo/config.yaml', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, '.nexo'), { recursive: true });
    await writeFile(join(home, '.nexo', 'config.yaml'), 'cloudflare:\n  api_token: t\n');
    const fromEnv = join(dir, 'env.yaml');
    await writeFile(
      fromEnv,
      'cloudflare:\n  api_token: t\nproxies:\n  a.example.com:\n    redirect: example.org\n',
    );
    const env = { PATH: process.env.PATH, HOME: home };

    const byHome = await runBuiltCli(['validate'], { env });
    const byEnv = await runBuiltCli(['validate'], { env: { ...env, NEXO_CONFIG: fromEnv } });
    const byFlag = await runBuiltCli(['validate', '--config', join(home, '.nexo', 'config.yaml')], {
      env: { ...env, NEXO_CONFIG: fromEnv },
    });

    expect(byHome.stdout).toBe(`${join(home, '.nexo', 'config.yaml')}: valid (0 hosts)\n`);
    expect(byEnv.stdout).toBe(`${fromEnv}: valid (1 host)\n`);
    expect(byFlag.stdout).toBe(`${join(home, '.nexo', 'config.yaml')}: valid (0 hosts)\n`);
  });

  test('server and certs refuse an invalid config with its problems and exit 1', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(
      path,
      'cloudflare:\n  api_token: t\nproxies:\n  a.example.com:\n    upstream: 127.0.0.1:1\n',
    );
    const problem = `${path}:5:15: proxies."a.example.com".upstream: must be an http(s) URL; did you mean "http://127.0.0.1:1"?`;

    for (const args of [['server'], ['certs', 'list'], []]) {
      const result = await runBuiltCli([...args, '--config', path], { env: ENV });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toBe(`${problem}\nnexo: the config has 1 error; run "nexo validate"\n`);
    }
  });
});
