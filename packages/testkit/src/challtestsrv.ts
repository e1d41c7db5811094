import { Resolver } from 'node:dns/promises';
import { type ManagedChild, startChild } from './child-process.js';
import { findFreePort } from './free-port.js';
import { waitUntil } from './wait.js';

/** A running pebble-challtestsrv that answers DNS on loopback from records we set. */
export interface ChallTestSrv {
  /** `127.0.0.1:PORT`, for Pebble's `-dnsserver` and for `Resolver#setServers`. */
  readonly dnsAddress: string;
  readonly dnsPort: number;
  /** Base URL of the management API, e.g. `http://127.0.0.1:PORT`. */
  readonly managementUrl: string;
  readonly pid: number;
  /** Adds one TXT value at `name` (other values at that name are kept). */
  setTxt(name: string, value: string): Promise<void>;
  /** Removes every TXT value at `name`. */
  clearTxt(name: string): Promise<void>;
  /** Makes `name` a CNAME to `target`. */
  setCname(name: string, target: string): Promise<void>;
  clearCname(name: string): Promise<void>;
  /** Reads the TXT values at `name` back through the DNS server (CNAMEs followed). */
  lookupTxt(name: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Options of {@link startChallTestSrv}. */
export interface ChallTestSrvOptions {
  /** How long to wait for the server to answer, default 10 s. */
  startTimeoutMs?: number;
}

const START_ATTEMPTS = 3;

/**
 * Starts `pebble-challtestsrv` with only its DNS server and management API, both on free
 * loopback ports. Names are lowercased and given the trailing dot the management API needs
 * (its lookups are case-sensitive, and Pebble asks in lowercase).
 */
export async function startChallTestSrv(options: ChallTestSrvOptions = {}): Promise<ChallTestSrv> {
  let lastError: unknown;

  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options.startTimeoutMs ?? 10_000);
    } catch (error) {
      // Usually a port taken between findFreePort() and the bind: try new ports.
      lastError = error;
    }
  }
  throw new Error(`pebble-challtestsrv did not start after ${START_ATTEMPTS} attempts`, {
    cause: lastError,
  });
}

async function startOnce(startTimeoutMs: number): Promise<ChallTestSrv> {
  const dnsPort = await findFreePort();
  const managementPort = await findFreePort();
  const child = startChild('pebble-challtestsrv', [
    ...['-http01', '', '-https01', '', '-tlsalpn01', ''],
    ...['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${managementPort}`],
    ...['-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''],
  ]);
  const server = createHandle(child, dnsPort, `http://127.0.0.1:${managementPort}`);

  try {
    await waitForReadiness(server, child, startTimeoutMs);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return server;
}

/**
 * challtestsrv keeps running when one of its ports is taken, so "the process is up" proves
 * nothing: write a random record through our management port and read it back through our
 * DNS port.
 */
async function waitForReadiness(
  server: ChallTestSrv,
  child: ManagedChild,
  timeoutMs: number,
): Promise<void> {
  const probeName = `_ready-${process.pid}-${Date.now()}.testkit.invalid`;
  const probeValue = `ready-${Math.random().toString(36).slice(2)}`;

  await waitUntil(
    'pebble-challtestsrv',
    async () => {
      await server.setTxt(probeName, probeValue);
      const values = await server.lookupTxt(probeName);
      return values.includes(probeValue);
    },
    {
      timeoutMs,
      abortIf: () => {
        if (child.process.exitCode !== null) return `exited early:\n${child.output()}`;
        if (/address already in use/i.test(child.output())) return 'a port is taken';
        return undefined;
      },
    },
  );
  await server.clearTxt(probeName);
}

function createHandle(child: ManagedChild, dnsPort: number, managementUrl: string): ChallTestSrv {
  const dnsAddress = `127.0.0.1:${dnsPort}`;
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dnsAddress]);

  const manage = async (path: string, body: Record<string, string>) => {
    const response = await fetch(`${managementUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`challtestsrv ${path} answered ${response.status}: ${await response.text()}`);
    }
  };

  return {
    dnsAddress,
    dnsPort,
    managementUrl,
    pid: child.pid,
    setTxt: (name, value) => manage('/set-txt', { host: toFqdn(name), value }),
    clearTxt: (name) => manage('/clear-txt', { host: toFqdn(name) }),
    setCname: (name, target) =>
      manage('/set-cname', { host: toFqdn(name), target: toFqdn(target) }),
    clearCname: (name) => manage('/clear-cname', { host: toFqdn(name) }),
    async lookupTxt(name) {
      try {
        const records = await resolver.resolveTxt(name.toLowerCase().replace(/\.$/, ''));
        return records.map((chunks) => chunks.join(''));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENODATA') return [];
        if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND') return [];
        throw error;
      }
    },
    close: () => child.stop(),
  };
}

function toFqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}
