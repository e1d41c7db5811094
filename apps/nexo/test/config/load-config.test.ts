// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text with ${NAME} references
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  type ConfigError,
  formatProblem,
  loadConfig,
  parseConfig,
} from '../../src/config/index.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/config');
const BASE = 'cloudflare:\n  api_token: t\n';

function parse(yaml: string, env: Record<string, string> = {}) {
  return parseConfig({ path: '/srv/nexo/config.yaml', text: yaml, env, homeDir: '/home/u' });
}

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Regression (fresh-user test): `--config /dev/zero` grew to 4 GB, and a 10 MB file
  // stalled a running server's reload for over a minute.
  test.each([
    ['a device', () => '/dev/zero', 'is not a regular file'],
    ['a directory', (d: string) => d, 'is a directory'],
  ])('refuses %s as the config file', async (_case, pathOf, message) => {
    const error = await loadConfig({ path: pathOf(dir), env: {} }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'CONFIG_UNREADABLE' });
    expect((error as Error).message).toContain(message);
  });

  test('refuses a config file over 1 MiB before parsing it', async () => {
    const path = join(dir, 'huge.yaml');
    await writeFile(path, `# ${'x'.repeat(1024 * 1024)}\n`);

    const error = await loadConfig({ path, env: {} }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'CONFIG_UNREADABLE' });
    expect((error as Error).message).toMatch(/reads at most 1048576/);
  });

  test('a byte-order mark does not shift the columns of line 1', async () => {
    const path = join(dir, 'bom.yaml');
    await writeFile(path, '\uFEFFlisten: 443\ncloudflare:\n  api_token: t\n');

    const error = await loadConfig({ path, env: {} }).catch((e: unknown) => e);

    expect((error as Error).message).toContain(`${path}:1:9: listen: `);
  });

  test('the original nexo example config loads unchanged', async () => {
    const { config, warnings } = await loadConfig({
      path: join(FIXTURES, 'original-example.yaml'),
      env: {},
      stdoutIsTTY: false,
    });

    expect(warnings).toEqual([]);
    expect(config.storage).toEqual({
      type: 'file',
      baseDir: '/etc/nexo',
      certDir: '/etc/nexo/certs',
    });
    expect(config.acme.email).toBe('your-email@example.com');
    expect(config.cloudflare.apiToken).toBe('your-cloudflare-api-token');
    expect(config.wildcards).toEqual(['*.example.com']);
    expect(config.proxies.map((proxy) => proxy.host)).toEqual([
      'api.example.com',
      'blog.example.com',
      'example.com',
    ]);
    expect(config.proxies[0]).toMatchObject({
      kind: 'upstream',
      upstreams: ['http://172.17.0.1:8080'],
      loadBalancing: 'round_robin',
    });
    expect(config.proxies[2]).toMatchObject({
      kind: 'redirect',
      redirect: { to: 'https://github.com/yourusername', status: 307, preservePath: false },
    });
  });

  test('defaults: Let us Encrypt production, :443, http off, 10MB/1MB, json off a TTY', () => {
    const { config } = parse(BASE);

    expect(config.acme.directoryUrl).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(config.listen).toEqual({
      https: { host: undefined, port: 443, text: ':443' },
      http: undefined,
    });
    expect(config.limits.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(config.limits.maxHeaderBytes).toBe(1024 * 1024);
    expect(config.renewal.checkIntervalMs).toBe(24 * 3600_000);
    expect(config.shutdown.deadlineMs).toBe(10_000);
    expect(config.storage).toEqual({
      type: 'file',
      baseDir: '/home/u/.nexo',
      certDir: '/home/u/.nexo/certs',
    });
    expect(parseConfig({ path: 'c.yaml', text: BASE, stdoutIsTTY: true }).config.log.format).toBe(
      'pretty',
    );
    expect(parseConfig({ path: 'c.yaml', text: BASE, stdoutIsTTY: false }).config.log.format).toBe(
      'json',
    );
  });

  test('staging: true picks the staging directory unless acme.directory is set', () => {
    expect(parse(`${BASE}staging: true\n`).config.acme.directoryUrl).toBe(
      'https://acme-staging-v02.api.letsencrypt.org/directory',
    );

    const { config, warnings } = parse(
      `${BASE}staging: true\nacme:\n  directory: https://127.0.0.1:14000/dir\n`,
    );
    expect(config.acme.directoryUrl).toBe('https://127.0.0.1:14000/dir');
    expect(warnings.map(formatProblem)).toEqual([
      '/srv/nexo/config.yaml:3:1: warning: staging: is ignored because acme.directory is set',
    ]);
  });

  test('a port in a proxies key is a warning: every host is served on listen.https', () => {
    const yaml = `${BASE}proxies:\n  "App.example.com:8443":\n    upstream: http://127.0.0.1:1\n`;

    const { config, warnings } = parse(yaml);

    expect(config.proxies.map((proxy) => proxy.host)).toEqual(['app.example.com']);
    expect(warnings.map(formatProblem)).toEqual([
      '/srv/nexo/config.yaml:4:3: warning: proxies."App.example.com:8443": the port is ignored: ' +
        'every host is served on listen.https',
    ]);
  });

  test('${NAME} is replaced in any string, keys included; plain scalars keep their type', () => {
    const yaml = [
      'cloudflare:',
      '  api_token: ${CF_TOKEN}',
      '  api_url: "http://127.0.0.1:${CF_PORT}/client/v4/"',
      'staging: ${STAGING}',
      'renewal:',
      '  concurrency: ${CONCURRENCY}',
      'proxies:',
      '  "${APP_HOST}":',
      '    upstream: http://127.0.0.1:${APP_PORT:-3000}',
      '    redirect_note_is_not_a_key: $${LITERAL}',
    ].join('\n');

    const error = (() => {
      try {
        parse(yaml, {
          CF_TOKEN: 'secret',
          CF_PORT: '8787',
          STAGING: 'true',
          CONCURRENCY: '4',
          APP_HOST: 'App.Example.com',
        });
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    // The last line is an unknown key, which proves `$${` stayed a literal and parsing went on.
    expect(error?.problems.map(formatProblem)).toEqual([
      '/srv/nexo/config.yaml:10:5: proxies."App.Example.com".redirect_note_is_not_a_key: unknown key; known keys: upstream, upstreams, load_balancing, redirect, write_timeout, response_header_timeout',
    ]);

    const { config } = parse(yaml.split('\n').slice(0, -1).join('\n'), {
      CF_TOKEN: 'secret',
      CF_PORT: '8787',
      STAGING: 'true',
      CONCURRENCY: '4',
      APP_HOST: 'App.Example.com',
    });
    expect(config.cloudflare).toEqual({
      apiToken: 'secret',
      apiUrl: 'http://127.0.0.1:8787/client/v4',
      zoneId: undefined,
    });
    expect(config.acme.staging).toBe(true);
    expect(config.renewal.concurrency).toBe(4);
    expect(config.proxies[0]).toMatchObject({
      host: 'app.example.com',
      upstreams: ['http://127.0.0.1:3000'],
    });
  });

  test('$${ stays a literal ${ and ${NAME:-x} falls back on empty', () => {
    const { config } = parse('cloudflare:\n  api_token: "$${NOT_A_VAR}${EMPTY:-x}"\n', {
      EMPTY: '',
    });
    expect(config.cloudflare.apiToken).toBe('${NOT_A_VAR}x');
  });

  test('*_file keys read secrets relative to the config file, trailing newline removed', async () => {
    await writeFile(join(dir, 'token'), 'file-token\n');
    await writeFile(join(dir, 'hmac'), 'aGVsbG8\r\n');
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      'cloudflare:\n  api_token_file: token\nacme:\n  eab:\n    kid: k1\n    hmac_key_file: ./hmac\n',
    );

    const { config } = await loadConfig({ path, env: {} });

    expect(config.cloudflare.apiToken).toBe('file-token');
    expect(config.acme.eab).toEqual({ kid: 'k1', hmacKey: 'aGVsbG8' });
    expect(config.source.path).toBe(path);
    expect(config.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('relative and ~ paths are resolved', () => {
    const { config } = parse(
      `${BASE}base_dir: state\ncert_dir: ~/certs\nacme:\n  ca_file: ca.pem\n`,
    );
    expect(config.storage).toMatchObject({ baseDir: '/srv/nexo/state', certDir: '/home/u/certs' });
    expect(config.acme.caFile).toBe('/srv/nexo/ca.pem');
  });

  test('new keys are normalised to machine units', () => {
    const yaml = `${BASE}${[
      'listen:',
      '  https: 127.0.0.1:0',
      '  http: "[::1]:8080"',
      'dns:',
      '  resolvers: [127.0.0.1, "[::1]:5353"]',
      '  propagation_timeout: 1m30s',
      'limits:',
      '  max_body: 512KB',
      '  max_header: 16384',
      'trusted_proxies: [10.0.0.0/8, 192.168.1.1, "::1"]',
      'write_timeout: 2m',
      'proxies:',
      '  "*.apps.example.com":',
      '    upstreams: [http://127.0.0.1:1/, "https://[::1]:2/"]',
      '    load_balancing: least_conn',
      '    response_header_timeout: 1.5s',
      '  go.example.com:',
      '    redirect: {to: "http://example.org/x", status: 308, preserve_path: true}',
    ].join('\n')}\n`;

    const { config } = parse(yaml);

    expect(config.listen.https).toEqual({ host: '127.0.0.1', port: 0, text: '127.0.0.1:0' });
    expect(config.listen.http).toEqual({ host: '::1', port: 8080, text: '[::1]:8080' });
    expect(config.dns).toEqual({
      resolvers: ['127.0.0.1:53', '[::1]:5353'],
      propagationTimeoutMs: 90_000,
      propagationIntervalMs: 2_000,
    });
    expect(config.limits).toMatchObject({ maxBodyBytes: 512 * 1024, maxHeaderBytes: 16384 });
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.1/32', '::1/128']);
    expect(config.proxies).toEqual([
      {
        kind: 'upstream',
        host: '*.apps.example.com',
        position: '/srv/nexo/config.yaml:15:3',
        upstreams: ['http://127.0.0.1:1', 'https://[::1]:2'],
        loadBalancing: 'least_conn',
        writeTimeoutMs: 120_000,
        responseHeaderTimeoutMs: 1_500,
      },
      {
        kind: 'redirect',
        host: 'go.example.com',
        position: '/srv/nexo/config.yaml:19:3',
        redirect: { to: 'http://example.org/x', status: 308, preservePath: true },
      },
    ]);
  });

  test('keys of the original nexo that Nexo lacks are warnings; the rest still loads', () => {
    const yaml = `${BASE}${[
      'webui:',
      '  enabled: true',
      'auth: {client_id: x}',
      'security: {}',
      'log_level: debug',
      'proxies:',
      '  a.example.com:',
      '    upstream: http://127.0.0.1:1',
      '    cache: false',
      '    retry: true',
      '    auth: true',
      '    portal: {name: A}',
    ].join('\n')}\n`;

    const { config, warnings } = parse(yaml);

    expect(config.proxies).toHaveLength(1);
    expect(config.log.level).toBe('debug');
    const unsupported = 'was a feature of the original nexo that Nexo does not have; it is ignored';
    expect(warnings.map(formatProblem)).toEqual([
      `/srv/nexo/config.yaml:3:1: warning: webui: ${unsupported}`,
      `/srv/nexo/config.yaml:5:1: warning: auth: ${unsupported}`,
      `/srv/nexo/config.yaml:6:1: warning: security: ${unsupported}`,
      '/srv/nexo/config.yaml:7:1: warning: log_level: is an old name; it still works, but write log.level',
      `/srv/nexo/config.yaml:11:5: warning: proxies."a.example.com".cache: ${unsupported}`,
      `/srv/nexo/config.yaml:12:5: warning: proxies."a.example.com".retry: ${unsupported}`,
      `/srv/nexo/config.yaml:13:5: warning: proxies."a.example.com".auth: ${unsupported}`,
      `/srv/nexo/config.yaml:14:5: warning: proxies."a.example.com".portal: ${unsupported}`,
    ]);
  });

  test('the result is deeply frozen', () => {
    const { config } = parse(
      `${BASE}proxies:\n  a.example.com:\n    upstream: http://127.0.0.1:1\n`,
    );
    const proxy = config.proxies[0];

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(Object.isFrozen(proxy)).toBe(true);
    expect(() => {
      (config.proxies as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  test('a missing file is CONFIG_UNREADABLE and says what to do', async () => {
    const path = join(dir, 'absent.yaml');
    await expect(loadConfig({ path })).rejects.toMatchObject({
      code: 'CONFIG_UNREADABLE',
      message: `cannot read config file ${path} (ENOENT); create it or pass --config PATH`,
    });
  });
});

describe('empty values', () => {
  test('a key with nothing after it reads as not set', () => {
    const yaml =
      'cloudflare:\n  api_token: t\n  zone_id:\nwildcards:\n  # - "*.example.com"\nstaging:\nproxies:\n';
    const { config } = parseConfig({ path: 'config.yaml', text: yaml, env: {} });

    expect(config.wildcards).toEqual([]);
    expect(config.proxies).toEqual([]);
    expect(config.acme.staging).toBe(false);
    expect(config.cloudflare.zoneId).toBeUndefined();
  });

  test('an empty required value is reported as missing, at its parent', () => {
    const yaml = 'cloudflare:\n  api_token:\nproxies:\n  a.example.com:\n    upstream:\n';
    expect(() => parseConfig({ path: 'config.yaml', text: yaml, env: {} })).toThrow(
      [
        'config.yaml: 2 errors in config',
        'config.yaml:2:13: cloudflare.api_token: is required (or api_token_file)',
        'config.yaml:4:3: proxies."a.example.com": needs an upstream (http://host:port) or a redirect',
      ].join('\n'),
    );
  });

  test('a number where an upstream URL belongs gets no odd suggestion', () => {
    const yaml = 'cloudflare:\n  api_token: t\nproxies:\n  a.example.com:\n    upstream: 3000\n';
    expect(() => parseConfig({ path: 'config.yaml', text: yaml, env: {} })).toThrow(
      'config.yaml:5:15: proxies."a.example.com".upstream: must be an http(s) URL such as http://127.0.0.1:3000, or a list of them (got 3000)',
    );
  });
});
