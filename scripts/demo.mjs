#!/usr/bin/env node
// `pnpm demo`: Nexo end to end on one machine, without a domain. Starts a test CA (Pebble),
// its DNS server (challtestsrv), a fake of the Cloudflare API that publishes records there,
// a small upstream, and Nexo with examples/demo.yaml; waits until Nexo serves a certificate
// for app.demo.test and prints the curl command that shows it. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps/nexo/dist/cli.js');
const testkitEntry = join(root, 'packages/testkit/dist/index.js');
const CERT_TIMEOUT_MS = 120_000;

prepare();
const { findFreePort, startAcmeStack } = await import(testkitEntry);

const cleanups = [];
let stopping = false;
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  await main();
} catch (error) {
  console.error(`\ndemo: ${error.message}`);
  await stop(1);
}

async function main() {
  step('starting Pebble, challtestsrv and the Cloudflare API fake');
  const stack = await startAcmeStack({ cloudflare: { zones: ['demo.test'] } });
  cleanups.push(() => stack.close());

  const dir = await mkdtemp(join(tmpdir(), 'nexo-demo-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const acmeCaFile = join(dir, 'pebble-directory-ca.pem');
  const rootFile = join(dir, 'pebble-root.pem');
  await writeFile(acmeCaFile, stack.pebble.caCertPem);
  await writeFile(rootFile, await stack.pebble.rootCertPem());

  step('starting the demo upstream');
  const upstream = await startUpstream();
  cleanups.push(() => new Promise((resolve) => upstream.close(resolve)));

  const httpsPort = await findFreePort();
  step(`starting nexo on 127.0.0.1:${httpsPort}`);
  const nexo = startNexo({
    NEXO_DEMO_DIR: join(dir, 'nexo'),
    NEXO_DEMO_HTTPS_PORT: String(httpsPort),
    NEXO_DEMO_ACME_DIRECTORY: stack.pebble.directoryUrl,
    NEXO_DEMO_ACME_CA_FILE: acmeCaFile,
    NEXO_DEMO_CLOUDFLARE_TOKEN: stack.cloudflareToken,
    NEXO_DEMO_CLOUDFLARE_API_URL: stack.cloudflare.apiUrl,
    NEXO_DEMO_DNS_SERVER: stack.challtestsrv.dnsAddress,
    NEXO_DEMO_UPSTREAM_PORT: String(upstream.address().port),
  });

  step('waiting for the certificate of app.demo.test (DNS-01 through the fake Cloudflare)');
  await waitForCertificate(httpsPort, await stack.pebble.rootCertPem(), nexo);

  console.log(`
demo: ready. Nexo serves https://app.demo.test with a certificate from the test CA:

  curl --resolve app.demo.test:${httpsPort}:127.0.0.1 --cacert ${rootFile} \\
    https://app.demo.test:${httpsPort}/

  curl -v --http2 --resolve app.demo.test:${httpsPort}:127.0.0.1 --cacert ${rootFile} \\
    https://app.demo.test:${httpsPort}/hello

The redirect (demo.test -> https://app.demo.test):
  curl -i --resolve demo.test:${httpsPort}:127.0.0.1 --cacert ${rootFile} https://demo.test:${httpsPort}/

Press Ctrl-C to stop everything.`);
}

/** Installs and builds what is missing, so the demo works on a fresh clone. */
function prepare() {
  if (!existsSync(join(root, 'node_modules')) || !commandExists('pebble')) {
    step('installing dependencies (scripts/bootstrap.sh)');
    run('bash', [join(root, 'scripts/bootstrap.sh')]);
  }
  if (!existsSync(cli) || !existsSync(testkitEntry)) {
    step('building');
    run('pnpm', ['--filter', 'nexo...', '--filter', '@nexo/testkit', 'build']);
  }
}

function startUpstream() {
  const server = createServer((req, res) => {
    const body = JSON.stringify(
      { message: 'hello from the demo upstream', host: req.headers.host, path: req.url },
      null,
      2,
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${body}\n`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startNexo(env) {
  const child = spawn(
    process.execPath,
    [cli, 'server', '--config', join(root, 'examples/demo.yaml')],
    // Its own process group: Ctrl-C reaches only this script, which then stops Nexo with
    // one SIGTERM (a second signal would make Nexo exit without finishing requests).
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    },
  );
  cleanups.push(() => stopChild(child));
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`demo: nexo exited (${signal ?? code}); stopping`);
      stop(1);
    }
  });
  return child;
}

/** Resolves once a TLS handshake for app.demo.test verifies against Pebble's root. */
async function waitForCertificate(port, rootPem, nexo) {
  const deadline = Date.now() + CERT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (nexo.exitCode !== null) throw new Error('nexo exited before serving the certificate');
    if (await handshakeVerifies(port, rootPem)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no certificate for app.demo.test after ${CERT_TIMEOUT_MS / 1000} s`);
}

function handshakeVerifies(port, rootPem) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'app.demo.test', ca: rootPem });
    socket.setTimeout(2000, () => socket.destroy());
    socket.once('secureConnect', () => {
      resolve(socket.authorized);
      socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  step('stopping');
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`demo: cleanup failed: ${error.message}`);
    }
  }
  process.exit(code);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`demo: ${command} ${args.join(' ')} failed`);
    process.exit(1);
  }
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function step(message) {
  console.log(`demo: ${message}`);
}
