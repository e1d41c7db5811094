import { once } from 'node:events';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore, FileStorage } from '@nexo/certstore';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type NexoProcess, startNexo } from '../e2e/nexo-process.js';
import { request } from '../server/https-client.js';
import { createTestCa, type TestCa } from '../server/test-certificates.js';

// Nothing listens there: certificates come from the store, the CA is never needed.
const DIRECTORY_URL = 'https://127.0.0.1:9/directory';

/** An upstream answering its name; `/upload` answers with the number of bytes it got. */
async function startUpstream(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => res.end(req.url === '/upload' ? `${name} received ${bytes}` : name));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * `nexo server` as a separate process, its config edited on disk the ways users and
 * orchestrators do: Kubernetes-style symlink swaps, an editor's rename-over, an invalid
 * save, SIGHUP, then SIGTERM during a slow upload.
 */
describe('reload from the config file, in a separate nexo process', { timeout: 120_000 }, () => {
  let dir: string;
  let confDir: string;
  let configPath: string;
  let ca: TestCa;
  let blue: { url: string; server: Server };
  let green: { url: string; server: Server };
  let nexo: NexoProcess | undefined;
  let version = 0;

  const yaml = (proxies: string, extra = '') => `base_dir: ${dir}
cert_dir: ${dir}/certs
cloudflare:
  api_token: test-token
  api_url: http://127.0.0.1:9/client/v4
acme:
  directory: ${DIRECTORY_URL}
wildcards: ["*.example.com"]
listen:
  https: 127.0.0.1:0
log:
  level: info
  format: json
shutdown:
  deadline: 30s
proxies:
${proxies}${extra}`;

  const proxy = (host: string, url: string) => `  ${host}:\n    upstream: ${url}\n`;

  /** Kubernetes ConfigMap update: write a new directory, re-point `..data` atomically. */
  async function swapConfigMap(content: string): Promise<void> {
    version++;
    await mkdir(join(confDir, `..v${version}`));
    await writeFile(join(confDir, `..v${version}`, 'config.yaml'), content);
    await symlink(`..v${version}`, join(confDir, '..data_tmp'));
    await rename(join(confDir, '..data_tmp'), join(confDir, '..data'));
  }

  const get = (host: string, path = '/') =>
    request({
      port: nexo!.httpsPort,
      servername: host,
      path,
      ca: ca.certPem,
      protocol: 'http/1.1',
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-live-'));
    confDir = join(dir, 'conf');
    await mkdir(confDir);
    ca = await createTestCa(dir);
    const storage = new FileStorage({ root: join(dir, 'certs') });
    const store = new CertificateStore({ storage, locker: storage });
    const names = ['*.example.com', 'example.com'];
    await store.save({ names, ...(await ca.issue(names)), directoryUrl: DIRECTORY_URL });
    blue = await startUpstream('blue');
    green = await startUpstream('green');

    await swapConfigMap(
      yaml(`${proxy('stable.example.com', blue.url)}${proxy('gone.example.com', blue.url)}`),
    );
    configPath = join(confDir, 'config.yaml');
    await symlink(join('..data', 'config.yaml'), configPath);
    nexo = await startNexo(configPath);
  }, 60_000);

  afterAll(async () => {
    await nexo?.stop();
    blue?.server.close();
    green?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a symlink swap adds and removes hosts; a removed host answers 404 at once', async () => {
    expect((await get('gone.example.com')).body).toBe('blue');

    await swapConfigMap(
      yaml(`${proxy('stable.example.com', blue.url)}${proxy('new.example.com', green.url)}`),
    );
    const summary = await nexo!.waitForLog(
      (entry) =>
        typeof entry.msg === 'string' &&
        entry.msg.startsWith('config reloaded') &&
        JSON.stringify(entry.added) === '["new.example.com"]',
    );

    expect(summary).toMatchObject({ removed: ['gone.example.com'], changed: [], reason: ['file'] });
    expect(await get('new.example.com')).toMatchObject({ status: 200, body: 'green' });
    expect((await get('gone.example.com')).status).toBe(404);
    expect((await get('stable.example.com')).body).toBe('blue');
  });

  test('an invalid save is rejected with each problem and its place; the old config keeps serving', async () => {
    await swapConfigMap(
      yaml(`${proxy('stable.example.com', 'localhost:1')}`, 'limits:\n  max_body: lots\n'),
    );

    const rejected = await nexo!.waitForLog(
      (entry) => entry.msg === 'config rejected; keeping the running config',
    );
    const problems = nexo!.logs
      .filter((entry) => entry.msg === 'config problem')
      .map((entry) => entry.problem);

    expect(rejected).toMatchObject({ errors: 2 });
    expect(problems).toEqual([
      `${configPath}:18:15: proxies."stable.example.com".upstream: must be an http(s) URL; did you mean "http://localhost:1"?`,
      `${configPath}:20:13: limits.max_body: must be a size such as 512KB, 10MB or 1GB (got "lots")`,
    ]);
    expect((await get('stable.example.com')).body).toBe('blue');
    expect((await get('new.example.com')).body).toBe('green');
  });

  test("an editor's rename-over save is applied, and a restart-only change is reported", async () => {
    const content = yaml(
      `${proxy('stable.example.com', green.url)}${proxy('new.example.com', green.url)}`,
    ).replace('https: 127.0.0.1:0', 'https: 127.0.0.1:1');
    await writeFile(join(confDir, '.config.yaml.tmp'), content);
    await rename(join(confDir, '.config.yaml.tmp'), configPath);

    const summary = await nexo!.waitForLog(
      (entry) =>
        typeof entry.msg === 'string' &&
        entry.msg.startsWith('config reloaded') &&
        JSON.stringify(entry.changed) === '["stable.example.com"]',
    );
    const restart = await nexo!.waitForLog(
      (entry) =>
        entry.msg?.startsWith('changed settings take effect only after a restart') === true,
    );

    expect(summary).toMatchObject({ added: [], removed: [] });
    expect(restart.keys).toEqual(['listen.https']);
    expect((await get('stable.example.com')).body).toBe('green');
  });

  test('SIGHUP reloads without a file change', async () => {
    nexo!.child.kill('SIGHUP');

    const summary = await nexo!.waitForLog(
      (entry) =>
        typeof entry.msg === 'string' &&
        entry.msg.startsWith('config reloaded') &&
        JSON.stringify(entry.reason) === '["signal"]',
    );
    expect(summary).toMatchObject({ added: [], changed: [], removed: [] });
  });

  test('SIGTERM lets an in-flight slow upload finish, then exits 0', async () => {
    const upload = slowUpload(nexo!.httpsPort, 'new.example.com', ca.certPem);
    await upload.started;

    const exited = nexo!.stop(60_000);
    await nexo!.waitForLog((entry) => entry.msg === 'stopping; finishing in-flight requests');
    upload.finish();

    expect(await upload.response).toEqual({ status: 200, body: `green received ${upload.bytes}` });
    expect(await exited).toBe(0);
    expect(nexo!.logs.at(-1)?.msg).toBe('stopped');
    nexo = undefined;
  });

  test('a second signal during the graceful stop exits at once with code 1', async () => {
    nexo = await startNexo(configPath);
    const upload = slowUpload(nexo.httpsPort, 'new.example.com', ca.certPem);
    const cut = upload.response.then(
      () => 'completed',
      () => 'cut',
    );
    await upload.started;

    nexo.child.kill('SIGTERM');
    await nexo.waitForLog((entry) => entry.msg === 'stopping; finishing in-flight requests');
    const exited = once(nexo.child, 'exit');
    nexo.child.kill('SIGINT');
    const [code] = await exited;

    // The upload never finished and the 30 s deadline had not passed: the second signal cut it.
    expect(code).toBe(1);
    expect(nexo.logs.some((entry) => entry.msg === 'second signal; exiting at once')).toBe(true);
    expect(await cut).toBe('cut');
    nexo = undefined;
  });
});

/** A POST to /upload that sends 1 KiB every 50 ms until `finish()` is called. */
function slowUpload(port: number, host: string, ca: string) {
  const chunk = Buffer.alloc(1024, 120);
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });

  const req = httpsRequest({
    host: '127.0.0.1',
    port,
    servername: host,
    ca,
    method: 'POST',
    path: '/upload',
    headers: { host, 'content-type': 'application/octet-stream' },
    agent: false,
  });
  const response = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => {
        body += text;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
  });
  const send = () => {
    if (req.destroyed) return;
    req.write(chunk);
    bytes += chunk.length;
    if (bytes >= 3 * chunk.length) markStarted();
    timer = setTimeout(send, 50);
  };
  send();

  return {
    started,
    response,
    get bytes() {
      return bytes;
    },
    finish() {
      clearTimeout(timer);
      req.end();
    },
  };
}
