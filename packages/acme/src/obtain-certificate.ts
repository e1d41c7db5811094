import { X509Certificate } from 'node:crypto';
import type { AcmeLibraryClient } from './acme-client.js';
import { acmeStep } from './acme-step.js';
import type { AcmeTransport } from './acme-transport.js';
import { generatePrivateKeyPem, KEY_TYPES, type KeyType } from './certificate-key.js';
import { AcmeChallengeError, type AcmeProblem, NexoAcmeError } from './errors.js';
import type { Logger } from './logger.js';
import { normalizeCertificateNames } from './names.js';
import { sleep } from './retry.js';
import type { ChallengeSolver, Dns01Challenge } from './solver.js';

/** One certificate to order: its names, key type, the solver for its challenges. */
export interface ObtainCertificateRequest {
  /** Host names, e.g. `['example.com', '*.example.com']`: one order, one certificate. */
  names: readonly string[];
  /** Default `ec256` (ECDSA P-256). */
  keyType?: KeyType;
  solver: ChallengeSolver;
  signal?: AbortSignal;
}

/** An issued certificate with its new private key and the facts read from it. */
export interface ObtainedCertificate {
  /** Normalized names, in the order given. */
  names: string[];
  /** Leaf certificate followed by the chain, PEM. */
  certificatePem: string;
  /** PKCS#8 PEM private key of the certificate. Secret. */
  privateKeyPem: string;
  keyType: KeyType;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
  /** Distinguished name of the issuing CA certificate. */
  issuerName: string;
  /** Where the CA serves this certificate. */
  certificateUrl: string;
  directoryUrl: string;
}

type AcmeModule = typeof import('acme-client');
type Order = Awaited<ReturnType<AcmeLibraryClient['createOrder']>>;

/** What the client hands {@link obtainCertificate}: its transport, logger and account. */
export interface ObtainContext {
  directoryUrl: string;
  transport: AcmeTransport;
  logger: Logger;
  getAccount(forceRegister?: boolean): Promise<AcmeLibraryClient>;
  loadAcme(): Promise<AcmeModule>;
  pollIntervalMs: number;
  pollTimeoutMs: number;
}

/**
 * Obtains one certificate for all `names`: order, answer DNS-01 through the solver, wait
 * for validation, finalize with a fresh key, download. Challenge records are cleaned up
 * on success, failure and abort.
 */
export async function obtainCertificate(
  request: ObtainCertificateRequest,
  context: ObtainContext,
): Promise<ObtainedCertificate> {
  const names = normalizeCertificateNames(request.names);
  const keyType = request.keyType ?? 'ec256';
  if (!KEY_TYPES.includes(keyType)) {
    throw new NexoAcmeError(
      'INVALID_KEY_TYPE',
      `unknown keyType "${keyType}": use ${KEY_TYPES.join(', ')}`,
    );
  }
  const logger = context.logger.child({ names });
  logger.info({ key_type: keyType }, 'obtaining certificate');

  const { client, order } = await createOrder(context, names);
  await authorize(context, client, order, request.solver, logger);

  const privateKeyPem = await generatePrivateKeyPem(keyType);
  const csr = await createCsr(context, names, privateKeyPem);
  const finalized = await acmeStep(context.transport, 'finalize the order', () =>
    client.finalizeOrder(order, csr),
  );
  const issued = await pollOrder(context, client, finalized, 'valid');
  const certificatePem = await acmeStep(context.transport, 'download the certificate', () =>
    client.getCertificate(issued),
  );

  const result = describe(names, keyType, certificatePem, privateKeyPem, issued, context);
  logger.info({ not_after: result.notAfter.toISOString() }, 'certificate obtained');
  return result;
}

/** Creates the order; re-registers once if the CA forgot the stored account. */
async function createOrder(context: ObtainContext, names: string[]) {
  const identifiers = names.map((value) => ({ type: 'dns' as const, value }));

  for (let attempt = 1; ; attempt++) {
    const client = await context.getAccount(attempt > 1);
    try {
      const order = await acmeStep(context.transport, 'create the order', () =>
        client.createOrder({ identifiers }),
      );
      return { client, order };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt > 1 || code !== 'ACME_ACCOUNT_DOES_NOT_EXIST') throw error;
      context.logger.warn({}, 'stored acme account unknown to the ca, registering again');
    }
  }
}

async function authorize(
  context: ObtainContext,
  client: AcmeLibraryClient,
  order: Order,
  solver: ChallengeSolver,
  logger: Logger,
): Promise<void> {
  const { transport } = context;
  const signal = transport.context().signal;
  const pending = await dnsChallengesOf(context, client, order);
  if (pending.length === 0) return;

  const presented = await solver.present(
    pending.map((p) => p.challenge),
    { signal },
  );
  try {
    await solver.waitUntilVisible(presented, { signal });
    for (const { acmeChallenge } of pending) {
      await acmeStep(transport, 'start the dns-01 challenge', () =>
        client.completeChallenge(acmeChallenge),
      );
    }
    await pollOrder(context, client, order, 'ready');
  } finally {
    await solver.cleanup(presented).catch((error: unknown) => {
      logger.error({ err: error }, 'challenge cleanup failed');
    });
  }
}

type AcmeChallenge = Parameters<AcmeLibraryClient['completeChallenge']>[0];

async function dnsChallengesOf(context: ObtainContext, client: AcmeLibraryClient, order: Order) {
  const authorizations = await acmeStep(context.transport, 'read the authorizations', () =>
    client.getAuthorizations(order),
  );
  const pending: Array<{ challenge: Dns01Challenge; acmeChallenge: AcmeChallenge }> = [];

  for (const authz of authorizations) {
    if (authz.status === 'valid') continue;
    const identifier = authz.identifier.value;
    const acmeChallenge = authz.challenges.find((c) => c.type === 'dns-01');
    if (acmeChallenge === undefined) {
      throw new NexoAcmeError(
        'ACME_NO_DNS01',
        `the CA offers no dns-01 challenge for ${identifier}; use a CA that supports DNS-01`,
      );
    }
    const value = await client.getChallengeKeyAuthorization(acmeChallenge);
    pending.push({
      challenge: { identifier, recordName: `_acme-challenge.${identifier}`, value },
      acmeChallenge,
    });
  }
  return pending;
}

/** Polls the order until it reaches `target`; an invalid order names the failed challenge. */
async function pollOrder(
  context: ObtainContext,
  client: AcmeLibraryClient,
  order: Order,
  target: 'ready' | 'valid',
): Promise<Order> {
  const { transport } = context;
  const deadline = Date.now() + context.pollTimeoutMs;
  let current = order;

  for (;;) {
    if (current.status === target || (target === 'ready' && current.status === 'valid')) {
      return current;
    }
    if (current.status === 'invalid') {
      throw await challengeFailure(context, client, current);
    }
    if (Date.now() > deadline) {
      throw new NexoAcmeError(
        'ACME_ORDER_TIMEOUT',
        `the order stayed "${current.status}" for ${context.pollTimeoutMs} ms waiting for ` +
          `"${target}": the CA may be overloaded; retry later`,
      );
    }
    await sleep(context.pollIntervalMs, transport.context().signal);
    const polled = await acmeStep(transport, 'poll the order', () => client.getOrder(current));
    current = { ...polled, url: current.url };
  }
}

async function challengeFailure(context: ObtainContext, client: AcmeLibraryClient, order: Order) {
  const authorizations = await acmeStep(context.transport, 'read the failed authorizations', () =>
    client.getAuthorizations(order),
  );
  for (const authz of authorizations) {
    const failed = authz.challenges.find((c) => c.status === 'invalid' || c.error !== undefined);
    if (authz.status === 'invalid' || failed !== undefined) {
      return new AcmeChallengeError(
        authz.identifier.value,
        failed?.error as AcmeProblem | undefined,
      );
    }
  }
  return new NexoAcmeError(
    'ACME_ORDER_INVALID',
    `the CA marked the order invalid${problemDetail(order.error)}: retry with a new order`,
  );
}

async function createCsr(context: ObtainContext, names: string[], privateKeyPem: string) {
  const acme = await context.loadAcme();
  // Certificates carry names in the SAN; a common name is optional and at most 64 chars.
  const commonName = names.find((name) => name.length <= 64);
  const [, csr] = await acme.crypto.createCsr(
    { ...(commonName === undefined ? {} : { commonName }), altNames: names },
    privateKeyPem,
  );
  return csr;
}

function describe(
  names: string[],
  keyType: KeyType,
  certificatePem: string,
  privateKeyPem: string,
  order: Order,
  context: ObtainContext,
): ObtainedCertificate {
  const leaf = new X509Certificate(certificatePem);
  return {
    names,
    certificatePem,
    privateKeyPem,
    keyType,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serialNumber: leaf.serialNumber,
    issuerName: leaf.issuer,
    certificateUrl: order.certificate ?? '',
    directoryUrl: context.directoryUrl,
  };
}

function problemDetail(problem: unknown): string {
  const detail = (problem as Partial<AcmeProblem> | undefined)?.detail;
  return detail === undefined ? '' : `: ${detail}`;
}
