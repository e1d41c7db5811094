import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagedChild, startChild } from './child-process.js';
import { findFreePort } from './free-port.js';
import { httpsGet } from './https-get.js';
import { createListenerCert } from './listener-cert.js';
import { waitUntil } from './wait.js';

/** Options of {@link startPebble}; `dnsServer` is required. */
export interface PebbleOptions {
  /** `127.0.0.1:PORT` of the DNS server Pebble validates DNS-01 against (challtestsrv). */
  dnsServer: string;
  /** Lifetime of issued certificates; Pebble's default is about five years. */
  validityPeriodSeconds?: number;
  /** External Account Binding keys, key id to base64url HMAC key; makes EAB required. */
  eab?: Record<string, string>;
  /** Extra environment for Pebble (e.g. `PEBBLE_CHAIN_LENGTH`). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

/** A running Pebble ACME test CA on loopback. */
export interface Pebble {
  /** `https://127.0.0.1:PORT/dir`. */
  readonly directoryUrl: string;
  /** Base URL of the management interface (same TLS certificate as the directory). */
  readonly managementUrl: string;
  /** CA of the directory's TLS certificate: what an ACME client must trust. */
  readonly caCertPem: string;
  readonly pid: number;
  /** Root that issued certificates chain to; new at every Pebble start. */
  rootCertPem(): Promise<string>;
  /** Intermediate that signs leaf certificates. */
  intermediateCertPem(): Promise<string>;
  /** Pebble's log so far, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

const START_ATTEMPTS = 3;

/**
 * Starts Pebble with fast deterministic settings: no validation sleeps, no nonce
 * rejection, no authorization reuse, and DNS always asked of `dnsServer` (never the
 * system resolver).
 */
export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'nexo-pebble-'));
  let lastError: unknown;

  try {
    const listener = await createListenerCert(dir);
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return await startOnce(options, dir, listener);
      } catch (error) {
        lastError = error;
      }
    }
  } catch (error) {
    lastError = error;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`pebble did not start after ${START_ATTEMPTS} attempts`, { cause: lastError });
}

async function startOnce(
  options: PebbleOptions,
  dir: string,
  listener: Awaited<ReturnType<typeof createListenerCert>>,
): Promise<Pebble> {
  const acmePort = await findFreePort();
  const managementPort = await findFreePort();
  const httpPort = await findFreePort();
  const tlsPort = await findFreePort();
  const configFile = join(dir, 'pebble-config.json');
  const eab = options.eab ?? {};
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: listener.certFile,
      privateKey: listener.keyFile,
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: Object.keys(eab).length > 0,
      externalAccountMACKeys: eab,
      ...(options.validityPeriodSeconds === undefined
        ? {}
        : { certificateValidityPeriod: options.validityPeriodSeconds }),
    },
  };
  await writeFile(configFile, JSON.stringify(config, null, 2));

  const child = startChild('pebble', ['-config', configFile, '-dnsserver', options.dnsServer], {
    env: {
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
      ...options.env,
    },
  });
  const pebble = createHandle(child, dir, listener.caCertPem, acmePort, managementPort);

  try {
    await waitForReadiness(pebble, child, options.startTimeoutMs ?? 15_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return pebble;
}

async function waitForReadiness(pebble: Pebble, child: ManagedChild, timeoutMs: number) {
  // A directory served with our listener certificate proves the port is ours.
  await waitUntil(
    'pebble',
    async () => {
      const directory = JSON.parse(await httpsGet(pebble.directoryUrl, pebble.caCertPem));
      await httpsGet(`${pebble.managementUrl}/roots/0`, pebble.caCertPem);
      return typeof directory.newOrder === 'string';
    },
    {
      timeoutMs,
      abortIf: () =>
        child.process.exitCode === null ? undefined : `exited early:\n${child.output()}`,
    },
  );
}

function createHandle(
  child: ManagedChild,
  dir: string,
  caCertPem: string,
  acmePort: number,
  managementPort: number,
): Pebble {
  const managementUrl = `https://127.0.0.1:${managementPort}`;
  const cache = new Map<string, Promise<string>>();
  const fetchOnce = (path: string) => {
    let pending = cache.get(path);
    if (pending === undefined) {
      pending = httpsGet(`${managementUrl}${path}`, caCertPem);
      cache.set(path, pending);
    }
    return pending;
  };

  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    managementUrl,
    caCertPem,
    pid: child.pid,
    rootCertPem: () => fetchOnce('/roots/0'),
    intermediateCertPem: () => fetchOnce('/intermediates/0'),
    output: () => child.output(),
    async close() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
