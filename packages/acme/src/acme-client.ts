import type { AccountStore } from './account-store.js';
import { acmeStep } from './acme-step.js';
import { type AcmeTransport, createAcmeTransport } from './acme-transport.js';
import { generatePrivateKeyPem } from './certificate-key.js';
import { LETS_ENCRYPT_PRODUCTION_URL } from './directories.js';
import { NexoAcmeError } from './errors.js';
import { fetchRenewalInfo } from './fetch-renewal-info.js';
import { type Logger, silentLogger } from './logger.js';
import {
  type ObtainCertificateRequest,
  type ObtainedCertificate,
  obtainCertificate,
} from './obtain-certificate.js';
import type { OperationOptions } from './operation-options.js';
import type { RenewalInfo } from './renewal-info.js';
import type { RetryOptions } from './retry.js';

type AcmeModule = typeof import('acme-client');
/** acme-client's own client, used inside this package only (not exported from the index). */
export type AcmeLibraryClient = InstanceType<AcmeModule['Client']>;

/** Options of {@link createAcmeClient}; only `accountStore` is required. */
export interface AcmeClientOptions {
  /** ACME directory. Default: Let's Encrypt production. */
  directoryUrl?: string;
  /** Extra CA (PEM) trusted for the directory's own TLS, for Pebble or a private CA. */
  caCertPem?: string;
  /** Contact address registered with the account. */
  email?: string;
  /** You agree to the CA's terms of service; most CAs refuse new accounts without it. */
  termsOfServiceAgreed?: boolean;
  /** External Account Binding, for CAs that require it (ZeroSSL, Google, ...). Secret. */
  externalAccountBinding?: { kid: string; hmacKey: string };
  /** Where the account key and URL are kept. */
  accountStore: AccountStore;
  logger?: Logger;
  /** Between polls of an order. Default 2000 ms. */
  pollIntervalMs?: number;
  /** Give up waiting for validation or issuance after this long. Default 300 000 ms. */
  pollTimeoutMs?: number;
  /** Per HTTP request to the CA. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Retries of GET/HEAD requests answered 429/5xx. Default 3 attempts, 1 s doubling. */
  retry?: RetryOptions;
}

/** An ACME account on one directory, able to obtain certificates. */
export interface AcmeClient {
  readonly directoryUrl: string;
  /** Registers the account (or loads it from the store) and returns its URL. */
  ensureAccount(options?: OperationOptions): Promise<string>;
  obtainCertificate(request: ObtainCertificateRequest): Promise<ObtainedCertificate>;
  /**
   * The CA's suggested renewal window for a certificate it issued (ACME ARI), or
   * `undefined` when the directory does not offer ARI.
   */
  fetchRenewalInfo(
    certificatePem: string,
    options?: OperationOptions,
  ): Promise<RenewalInfo | undefined>;
  /** Closes kept-alive connections to the CA. */
  close(): void;
}

interface Account {
  client: AcmeLibraryClient;
  accountUrl: string;
  privateKeyPem: string;
}

/**
 * Creates an ACME client. Nothing happens on the network (and acme-client is not even
 * loaded) until the first call.
 */
export function createAcmeClient(options: AcmeClientOptions): AcmeClient {
  const directoryUrl = options.directoryUrl ?? LETS_ENCRYPT_PRODUCTION_URL;
  const logger = (options.logger ?? silentLogger).child({ acme_directory: directoryUrl });
  const transport = createAcmeTransport({
    caCertPem: options.caCertPem,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    retry: { maxAttempts: 3, ...options.retry },
    logger,
  });
  let account: Promise<Account> | undefined;

  const getAccount = (forceRegister = false): Promise<Account> => {
    if (account === undefined || forceRegister) {
      // Shared by concurrent callers, so it runs under no caller's signal: one caller
      // aborting must not fail the others. Each caller still stops waiting on its own abort.
      const pending = transport.run({}, () =>
        loadAccount(options, directoryUrl, transport, logger, forceRegister),
      );
      account = pending;
      pending.catch(() => {
        if (account === pending) account = undefined;
      });
    }
    return untilAborted(account, transport.context().signal);
  };

  return {
    directoryUrl,
    ensureAccount: ({ signal } = {}) =>
      transport.run({ signal }, async () => (await getAccount()).accountUrl),
    obtainCertificate: (request) =>
      transport.run({ signal: request.signal }, () =>
        obtainCertificate(request, {
          directoryUrl,
          transport,
          logger,
          getAccount: async (forceRegister) => (await getAccount(forceRegister)).client,
          loadAcme,
          pollIntervalMs: options.pollIntervalMs ?? 2000,
          pollTimeoutMs: options.pollTimeoutMs ?? 300_000,
        }),
      ),
    fetchRenewalInfo: (certificatePem, { signal } = {}) =>
      transport.run({ signal }, () => fetchRenewalInfo(transport, directoryUrl, certificatePem)),
    close: () => transport.close(),
  };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);

  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

let acmeModule: Promise<AcmeModule> | undefined;

/** acme-client (and axios, node-forge...) load on first use, not at import. */
function loadAcme(): Promise<AcmeModule> {
  acmeModule ??= import('acme-client').then((loaded) => {
    const module = loaded as AcmeModule & { default?: AcmeModule };
    return module.default ?? module;
  });
  return acmeModule;
}

async function loadAccount(
  options: AcmeClientOptions,
  directoryUrl: string,
  transport: AcmeTransport,
  logger: Logger,
  forceRegister: boolean,
): Promise<Account> {
  const { signal } = transport.context();
  const acme = await loadAcme();
  const stored = await options.accountStore.load(directoryUrl, { signal });

  let privateKeyPem = stored?.privateKeyPem;
  if (privateKeyPem === undefined || privateKeyPem === '') {
    privateKeyPem = await generatePrivateKeyPem('ec256');
    // Saved before registering: a crash in between must not orphan the account.
    await options.accountStore.save(directoryUrl, { privateKeyPem }, { signal });
  }

  const knownUrl = forceRegister ? undefined : stored?.accountUrl;
  const client = new acme.Client({
    directoryUrl,
    accountKey: privateKeyPem,
    accountUrl: knownUrl,
    externalAccountBinding: options.externalAccountBinding,
  });
  useTransport(client, transport);
  if (knownUrl !== undefined) {
    return { client, accountUrl: knownUrl, privateKeyPem };
  }

  await acmeStep(transport, 'register the ACME account', () =>
    client.createAccount({
      termsOfServiceAgreed: options.termsOfServiceAgreed ?? false,
      ...(options.email === undefined ? {} : { contact: [`mailto:${options.email}`] }),
    }),
  );
  const accountUrl = client.getAccountUrl();
  await options.accountStore.save(directoryUrl, { privateKeyPem, accountUrl }, { signal });
  logger.info({ account_url: accountUrl }, 'acme account registered');
  return { client, accountUrl, privateKeyPem };
}

/** Routes every request of this acme-client instance through our transport. */
function useTransport(client: AcmeLibraryClient, transport: AcmeTransport): void {
  const internals = client as unknown as { http?: { request?: unknown } };
  if (internals.http === undefined || typeof internals.http.request !== 'function') {
    throw new NexoAcmeError(
      'ACME_CLIENT_INCOMPATIBLE',
      'this acme-client version has no http.request to route through; install acme-client 5.x',
    );
  }
  internals.http.request = transport.request;
}
