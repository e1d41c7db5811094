import {
  type CertificateCache,
  type CertificateInput,
  type CertificateMeta,
  type CertificateRecord,
  type CertificateStore,
  CertstoreError,
  wildcardFor,
} from '@nexo/certstore';
import { normalizeHost } from '@nexo/router';
import type { NexoConfig } from '../config/types.js';
import type { Logger } from '../server/logger.js';
import { retryAfterMs, safeErrorMessage } from './error-facts.js';
import type { Issuer } from './issuer.js';
import { isIpAddressHost, type PlannedCertificate, planCertificates } from './plan-certificates.js';
import { type Decision, issueReason, needsIssue } from './renewal-decision.js';
import { retryDelayMs } from './retry-backoff.js';

export interface CertificateMaintainerOptions {
  store: CertificateStore;
  /** Certificates being served; every obtained certificate is put here at once. */
  cache: CertificateCache;
  /** Builds the issuer for a config; called only when a certificate must be obtained. */
  createIssuer: (config: NexoConfig) => Promise<Issuer>;
  logger: Logger;
  /** Jitter source for retry delays; injectable for tests. */
  random?: () => number;
  /**
   * Run passes in the background (the server). Off for one-shot commands such as
   * `nexo certs renew`, which only call {@link CertificateMaintainer.renewNow}. Default on.
   */
  background?: boolean;
}

const MIN_WAKE_MS = 1000;
const UNSAVED_RETRY_MS = 30_000;

/**
 * Certificate maintenance: obtains the planned certificates that are missing, renews
 * those that are due, a few at a time, and retries failures with a persisted backoff.
 *
 * It checks at start, after every config change, every `renewal.check_interval`, and at
 * the earliest renewal or retry time it knows of. Each attempt takes the certificate's
 * lock and looks at the store again first, so processes sharing storage never renew the
 * same certificate twice. The config is read afresh on every pass (never cached).
 */
export class CertificateMaintainer {
  readonly #options: CertificateMaintainerOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  readonly #attempts = new Map<string, Promise<void>>();
  #config: NexoConfig | undefined;
  #plan: PlannedCertificate[] = [];
  #queue: PlannedCertificate[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #checkedOnce = false;
  #pass: Promise<void> | undefined;
  #passAgain = false;
  #issuer: { config: NexoConfig; issuer: Promise<Issuer> } | undefined;
  /** Certificates obtained but not yet stored (storage was down): served, saved later. */
  readonly #unsaved = new Map<string, CertificateInput>();
  #issuanceSettings: string | undefined;
  /** When the ACME, Cloudflare or DNS settings last changed on a reload. */
  #issuanceChangedAt: Date | undefined;

  constructor(options: CertificateMaintainerOptions) {
    this.#options = options;
    this.#logger = options.logger;
  }

  /** The certificates the current config needs. */
  get plan(): readonly PlannedCertificate[] {
    return this.#plan;
  }

  /**
   * Follows a new config: plans its certificates and checks them now. Certificates
   * dropped from the plan are left in storage and simply no longer renewed.
   */
  follow(config: NexoConfig): void {
    this.#noteIssuanceSettings(config);
    this.#config = config;
    const hosts = config.proxies.map((entry) => entry.host);
    // DNS-01 proves control of a name; an IP address has none to prove.
    const addresses = hosts.filter(isIpAddressHost);
    if (addresses.length > 0) {
      this.#logger.warn({ hosts: addresses }, 'no certificate can be obtained for an ip address');
    }
    if (hosts.length === 0) this.#logger.warn('the config has no hosts: nothing is served');
    this.#plan = planCertificates({ hosts, wildcards: config.wildcards });
    this.#queue = this.#queue.filter((queued) => this.#plan.some((p) => p.name === queued.name));
    this.#wake(0);
  }

  /**
   * A failure's backoff is about the settings it failed with: once the user has changed
   * them (fixed a token, another directory), waiting out the backoff would only delay the
   * fix, so attempts made before the change are retried at once.
   */
  #noteIssuanceSettings(config: NexoConfig): void {
    const previous = this.#config;
    if (previous !== undefined && previous.acme.directoryUrl !== config.acme.directoryUrl) {
      // Certificates and accounts are kept per CA directory, even one spelled differently.
      this.#logger.warn(
        { from: previous.acme.directoryUrl, to: config.acme.directoryUrl },
        'acme directory changed: every certificate will be obtained again from the new one',
      );
    }
    const settings = JSON.stringify([config.acme, config.cloudflare, config.dns]);
    if (this.#issuanceSettings !== undefined && settings !== this.#issuanceSettings) {
      this.#issuanceChangedAt = new Date();
    }
    this.#issuanceSettings = settings;
  }

  /** The time until which a failed certificate waits, or undefined to try now. */
  #backoffUntil(meta: CertificateMeta | undefined, now: Date): Date | undefined {
    const until = meta?.nextAttemptAt;
    if (until === undefined || until <= now) return undefined;

    const changed = this.#issuanceChangedAt;
    const triedAt = meta?.lastAttemptAt;
    if (changed !== undefined && triedAt !== undefined && triedAt < changed) return undefined;
    return until;
  }

  /** Runs one maintenance pass now and waits for the attempts it started. */
  async checkNow(): Promise<void> {
    await this.#runPass();
    await Promise.allSettled([...this.#attempts.values()]);
  }

  /**
   * Obtains a new certificate for a planned name now, ignoring renewal timing and
   * backoff (`nexo certs renew`). Rejects with the attempt's error.
   */
  async renewNow(name: string): Promise<CertificateRecord> {
    const planned = this.findPlanned(name);
    if (planned === undefined) {
      throw new CertstoreError(
        'NOT_PLANNED',
        `no configured host needs a certificate named ${name}; run "nexo certs list" for names`,
      );
    }
    return this.#attempt(planned, true);
  }

  /**
   * The planned certificate for a name as a user may type it: the certificate's own name,
   * one of its names, or a host its wildcard covers (`api.example.com` finds
   * `*.example.com`).
   */
  findPlanned(name: string): PlannedCertificate | undefined {
    const host = normalizeHost(name, { allowWildcard: true }) ?? name;
    const wildcard = wildcardFor(host);
    return (
      this.#plan.find((entry) => entry.name === host) ??
      this.#plan.find((entry) => entry.domains.includes(host)) ??
      this.#plan.find((entry) => wildcard !== undefined && entry.name === wildcard)
    );
  }

  /** Stops maintenance; attempts in progress are aborted. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#abort.abort(new Error('certificate maintenance stopped'));
    await Promise.allSettled([this.#pass, ...this.#attempts.values()]);
    this.#closeIssuer();
  }

  /**
   * Schedules the next pass in `delayMs`, unless one is already due sooner: a retry after
   * a failure never postpones another certificate's renewal. An early pass costs little.
   */
  #wake(delayMs: number): void {
    if (this.#abort.signal.aborted || this.#options.background === false) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.#timer !== undefined && this.#timerAt <= at) return;

    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#runPass();
    }, at - Date.now());
    this.#timer.unref();
  }

  /** One pass at a time; a request for a pass during one runs another right after. */
  async #runPass(): Promise<void> {
    if (this.#pass !== undefined) {
      this.#passAgain = true;
      return this.#pass;
    }

    this.#pass = this.#checkAll().finally(() => {
      this.#pass = undefined;
    });
    await this.#pass;
    if (this.#passAgain) {
      this.#passAgain = false;
      await this.#runPass();
    }
  }

  async #checkAll(): Promise<void> {
    const config = this.#config;
    if (config === undefined || this.#abort.signal.aborted) return;

    const now = new Date();
    let nextWakeMs = now.getTime() + config.renewal.checkIntervalMs;
    for (const planned of this.#plan) {
      if (this.#attempts.has(planned.name)) continue;

      const decision = await this.#decide(config, planned, now).catch((error: unknown) => {
        this.#logger.error({ name: planned.name, err: error }, 'certificate check failed');
        return { action: 'wait', until: new Date(now.getTime() + MIN_WAKE_MS * 60) } as const;
      });
      if (decision.action === 'issue') this.#enqueue(planned);
      else {
        const at = decision.action === 'wait' ? decision.until : decision.nextCheckAt;
        nextWakeMs = Math.min(nextWakeMs, at.getTime());
      }
    }

    this.#drainQueue();
    const delayMs = Math.max(MIN_WAKE_MS, nextWakeMs - Date.now());
    this.#wake(delayMs);

    // The first pass and passes that start work are worth a line; routine ones are not.
    const fields = {
      planned: this.#plan.length,
      in_progress: this.#attempts.size,
      queued: this.#queue.length,
      next_check_at: new Date(Date.now() + delayMs).toISOString(),
    };
    const busy = this.#attempts.size > 0 || this.#queue.length > 0;
    if (busy || !this.#checkedOnce) this.#logger.info(fields, 'certificate check done');
    else this.#logger.debug(fields, 'certificate check done');
    this.#checkedOnce = true;
  }

  async #decide(config: NexoConfig, planned: PlannedCertificate, now: Date): Promise<Decision> {
    const unsaved = this.#unsaved.get(planned.name);
    if (unsaved !== undefined) await this.#saveUnsaved(planned.name, unsaved);

    const directoryUrl = config.acme.directoryUrl;
    const record = await this.#loadRecord(directoryUrl, planned.name);
    const meta = record?.meta ?? (await this.#options.store.loadMeta(directoryUrl, planned.name));

    const need = needsIssue(planned, record, now);
    if (need.action !== 'issue') {
      if (record !== undefined) this.#serve(record);
      return need;
    }

    const until = this.#backoffUntil(meta, now);
    return until === undefined ? need : { action: 'wait', until };
  }

  #enqueue(planned: PlannedCertificate): void {
    if (this.#queue.some((queued) => queued.name === planned.name)) return;
    this.#queue.push(planned);
  }

  /** Starts queued attempts while fewer than `renewal.concurrency` are running. */
  #drainQueue(): void {
    const limit = this.#config?.renewal.concurrency ?? 1;
    while (this.#attempts.size < limit && !this.#abort.signal.aborted) {
      const next = this.#queue.shift();
      if (next === undefined) return;
      if (this.#attempts.has(next.name)) continue;

      const attempt = this.#attempt(next, false)
        .then(() => undefined)
        .catch(() => undefined)
        .finally(() => {
          this.#attempts.delete(next.name);
          this.#drainQueue();
        });
      this.#attempts.set(next.name, attempt);
    }
  }

  /**
   * Obtains or renews one certificate under its lock. Without `force`, it first looks
   * at the store again and stops if another process already did the work or failed
   * recently (its backoff applies to everyone).
   */
  async #attempt(planned: PlannedCertificate, force: boolean): Promise<CertificateRecord> {
    const config = this.#requireConfig();
    const { store } = this.#options;
    const directoryUrl = config.acme.directoryUrl;
    const signal = this.#abort.signal;
    const logger = this.#logger.child({ certificate: planned.name });

    const lock = await store.lock(directoryUrl, planned.name, { signal });
    try {
      const current = await this.#loadRecord(directoryUrl, planned.name);
      if (!force) {
        const fresh = await this.#stillNeeded(directoryUrl, planned, current);
        if (fresh !== undefined) return fresh;
      }

      const reason = force ? 'forced' : issueReason(planned, current);
      logger.info({ names: planned.domains, reason }, 'certificate attempt started');
      const issued = await this.#issue(config, planned, signal).catch(async (error: unknown) => {
        await this.#recordFailure(config, planned, error, logger);
        throw error;
      });
      const input: CertificateInput = {
        names: planned.domains,
        certificatePem: issued.certificatePem,
        privateKeyPem: issued.privateKeyPem,
        directoryUrl,
        ...(issued.renewalWindow === undefined ? {} : { renewalWindow: issued.renewalWindow }),
      };
      const record = await store.save(input).catch((error: unknown) => {
        this.#keepUnsaved(planned.name, input, error, logger);
        throw error;
      });
      this.#serve(record);
      logger.info({ not_after: record.meta.notAfter?.toISOString() }, 'certificate now served');
      this.#wake(MIN_WAKE_MS);
      return record;
    } finally {
      await lock.unlock().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not release certificate lock');
      });
    }
  }

  /**
   * A certificate the CA issued is worth keeping even when storage is down: ordering it
   * again would waste a rate-limited order. It is served from memory at once and saved
   * on the next pass; until then the pass fails early instead of ordering again.
   */
  #keepUnsaved(name: string, input: CertificateInput, error: unknown, logger: Logger): void {
    this.#unsaved.set(name, input);
    try {
      this.#options.cache.set(input);
    } catch (cacheError) {
      logger.error({ err: cacheError }, 'certificate cannot be served');
    }
    logger.error(
      { err: error, retry_in_ms: UNSAVED_RETRY_MS },
      'certificate obtained but not stored; serving it from memory until it can be saved',
    );
    this.#wake(UNSAVED_RETRY_MS);
  }

  async #saveUnsaved(name: string, input: CertificateInput): Promise<void> {
    const record = await this.#options.store.save(input);
    this.#unsaved.delete(name);
    this.#logger.info({ certificate: name }, 'certificate stored after an earlier failure');
    this.#serve(record);
  }

  /** After taking the lock: the record when nothing is to be done any more. */
  async #stillNeeded(
    directoryUrl: string,
    planned: PlannedCertificate,
    current: CertificateRecord | undefined,
  ): Promise<CertificateRecord | undefined> {
    const now = new Date();
    if (current !== undefined && needsIssue(planned, current, now).action !== 'issue') {
      this.#serve(current);
      return current;
    }

    const meta = current?.meta ?? (await this.#options.store.loadMeta(directoryUrl, planned.name));
    const until = this.#backoffUntil(meta, now);
    if (until !== undefined) {
      this.#wake(until.getTime() - now.getTime());
      throw new CertstoreError(
        'BACKING_OFF',
        `certificate ${planned.name} failed recently; next attempt at ${until.toISOString()}`,
      );
    }
    return undefined;
  }

  async #issue(config: NexoConfig, planned: PlannedCertificate, signal: AbortSignal) {
    const issuer = await this.#issuerFor(config);
    return issuer.issue({ names: planned.domains, keyType: config.acme.keyType, signal });
  }

  /** One issuer per config snapshot, built on first need (the ACME code loads lazily). */
  #issuerFor(config: NexoConfig): Promise<Issuer> {
    if (this.#issuer?.config !== config) {
      this.#closeIssuer();
      const issuer = this.#options.createIssuer(config);
      issuer.catch(() => {
        if (this.#issuer?.issuer === issuer) this.#issuer = undefined;
      });
      this.#issuer = { config, issuer };
    }
    return this.#issuer.issuer;
  }

  #closeIssuer(): void {
    this.#issuer?.issuer.then((issuer) => issuer.close()).catch(() => undefined);
    this.#issuer = undefined;
  }

  async #recordFailure(
    config: NexoConfig,
    planned: PlannedCertificate,
    error: unknown,
    logger: Logger,
  ): Promise<void> {
    if (this.#abort.signal.aborted) return;
    const directoryUrl = config.acme.directoryUrl;
    const previous = await this.#options.store
      .loadMeta(directoryUrl, planned.name)
      .catch(() => undefined);
    const failures = (previous?.failureCount ?? 0) + 1;
    const delayMs = retryDelayMs(failures, retryAfterMs(error), {
      baseMs: config.renewal.backoffInitialMs,
      maxMs: config.renewal.backoffMaxMs,
      jitterRatio: 0.2,
      ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
    });
    const nextAttemptAt = new Date(Date.now() + delayMs);
    const message = safeErrorMessage(error);

    await this.#options.store
      .recordFailure(directoryUrl, planned.domains, { error: message, nextAttemptAt })
      .catch((storeError: unknown) => {
        logger.error({ err: storeError }, 'could not record certificate failure');
      });
    logger.error(
      { failures, next_attempt_at: nextAttemptAt.toISOString(), error: message },
      'certificate attempt failed',
    );
    this.#wake(delayMs);
  }

  async #loadRecord(directoryUrl: string, name: string): Promise<CertificateRecord | undefined> {
    try {
      return await this.#options.store.load(directoryUrl, name);
    } catch (error) {
      if (!(error instanceof CertstoreError)) throw error;
      this.#logger.warn({ name, err: error }, 'stored certificate unusable, obtaining a new one');
      return undefined;
    }
  }

  /** Puts a certificate in front of handshakes, unless the cache already has this one. */
  #serve(record: CertificateRecord): void {
    const name = record.names[0];
    const cached = name === undefined ? undefined : this.#options.cache.get(name);
    if (cached !== undefined && cached.serial === record.meta.serial) return;
    try {
      this.#options.cache.set(record);
    } catch (error) {
      this.#logger.error({ name, err: error }, 'certificate cannot be served');
    }
  }

  #requireConfig(): NexoConfig {
    if (this.#config === undefined) {
      throw new CertstoreError('NOT_STARTED', 'certificate maintenance has no config yet');
    }
    return this.#config;
  }
}
