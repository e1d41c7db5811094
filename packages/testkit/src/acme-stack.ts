import { type ChallTestSrv, startChallTestSrv } from './challtestsrv.js';
import {
  type CloudflareFake,
  type CloudflareFakeOptions,
  startCloudflareFake,
} from './cloudflare-fake.js';
import { type Pebble, type PebbleOptions, startPebble } from './pebble.js';

/** Options of {@link startAcmeStack}, passed on to the fake and to Pebble. */
export interface AcmeStackOptions {
  /** Cloudflare fake options; `token` defaults to a fixed test token. */
  cloudflare?: Partial<Omit<CloudflareFakeOptions, 'challtestsrv'>>;
  pebble?: Omit<PebbleOptions, 'dnsServer'>;
}

/** challtestsrv, Pebble validating against it, and a Cloudflare fake writing into it. */
export interface AcmeStack {
  challtestsrv: ChallTestSrv;
  pebble: Pebble;
  cloudflare: CloudflareFake;
  /** The full-access token the Cloudflare fake accepts. */
  cloudflareToken: string;
  close(): Promise<void>;
}

/** The full-access token of the stack's Cloudflare fake when none is given (not a real one). */
export const DEFAULT_TEST_CLOUDFLARE_TOKEN = 'nexo-testkit-token-0123456789abcdef0123';

/**
 * Starts the whole ACME test stack, wired together, with `example.com` as the default
 * zone. `close()` stops all three (and is safe to call after a partial failure).
 */
export async function startAcmeStack(options: AcmeStackOptions = {}): Promise<AcmeStack> {
  const challtestsrv = await startChallTestSrv();
  const started: Array<{ close(): Promise<void> }> = [challtestsrv];

  try {
    const pebble = await startPebble({ ...options.pebble, dnsServer: challtestsrv.dnsAddress });
    started.push(pebble);

    const cloudflareToken = options.cloudflare?.token ?? DEFAULT_TEST_CLOUDFLARE_TOKEN;
    const cloudflare = await startCloudflareFake({
      zones: ['example.com'],
      ...options.cloudflare,
      token: cloudflareToken,
      challtestsrv,
    });
    started.push(cloudflare);

    return {
      challtestsrv,
      pebble,
      cloudflare,
      cloudflareToken,
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

async function closeAll(services: Array<{ close(): Promise<void> }>): Promise<void> {
  // Reverse order, one at a time: the fake may still be writing into challtestsrv.
  let firstError: unknown;
  for (const service of [...services].reverse()) {
    try {
      await service.close();
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
}
