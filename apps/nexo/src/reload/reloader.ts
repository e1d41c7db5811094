import { ConfigError } from '../config/config-error.js';
import { type ConfigProblem, formatProblem } from '../config/config-problem.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { NexoConfig } from '../config/types.js';

/** What applying a config changed; the server's `applyConfig` returns this shape. */
export interface ReloadSummary {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Changed keys that only take effect after a restart (`listen.https`, `storage`). */
  readonly restartRequired: readonly string[];
}

/** How one reload ended. */
export type ReloadOutcome =
  | { readonly status: 'applied'; readonly config: NexoConfig; readonly summary: ReloadSummary }
  | { readonly status: 'invalid'; readonly problems: readonly ConfigProblem[] }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'closed' };

/** Why a reload was asked for, for the log. */
export type ReloadReason = 'file' | 'signal' | 'manual';

interface ReloaderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link Reloader}: how to load, how to apply, where to log. */
export interface ReloaderOptions {
  /** Reads and validates the file again (`loadConfig` with the CLI's options). */
  load: () => Promise<LoadedConfig>;
  /** Applies a valid config (the server's `applyConfig`). */
  apply: (next: NexoConfig) => Promise<ReloadSummary>;
  logger: ReloaderLogger;
}

/**
 * Runs config reloads one at a time. A request made while a reload runs is applied after
 * it (several such requests become one), so the last saved version always wins.
 *
 * A reload validates the whole file first. Invalid: every problem is logged with its
 * position and the running config stays untouched. Valid: it is applied, settings that
 * need a restart are reported, and one line sums up the hosts added, changed and removed.
 */
export class Reloader {
  readonly #options: ReloaderOptions;
  /** The next reload to run: every request made since the last one started. */
  #pending: PendingReload | undefined;
  #draining: Promise<void> | undefined;
  #closed = false;

  constructor(options: ReloaderOptions) {
    this.#options = options;
  }

  /**
   * Asks for a reload. Resolves with the outcome of the first reload that starts after
   * this call, so the caller sees the file as it was when it asked, or later.
   */
  request(reason: ReloadReason): Promise<ReloadOutcome> {
    if (this.#closed) return Promise.resolve({ status: 'closed' });

    this.#pending ??= new PendingReload();
    this.#pending.reasons.add(reason);
    const { promise } = this.#pending;
    this.#draining ??= this.#drain();
    return promise;
  }

  /** Resolves once no reload runs or waits. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  /** Refuses further requests; a waiting reload is dropped, a running one finishes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  /** Runs pending reloads one after the other until none is left. */
  async #drain(): Promise<void> {
    // Yield once so `#draining` is set before this can finish.
    await Promise.resolve();
    try {
      while (this.#pending !== undefined) {
        const job = this.#pending;
        this.#pending = undefined;
        job.resolve(this.#closed ? { status: 'closed' } : await this.#reload([...job.reasons]));
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #reload(reasons: ReloadReason[]): Promise<ReloadOutcome> {
    const { logger } = this.#options;

    let loaded: LoadedConfig;
    try {
      loaded = await this.#options.load();
    } catch (error) {
      return this.#rejected(error, reasons);
    }

    for (const problem of loaded.warnings) {
      logger.warn({ problem: formatProblem(problem) }, 'config warning');
    }

    try {
      const summary = await this.#options.apply(loaded.config);
      report(summary, reasons, logger);
      return { status: 'applied', config: loaded.config, summary };
    } catch (error) {
      logger.error({ err: error, reason: reasons }, 'config reload failed while applying');
      return { status: 'failed', error };
    }
  }

  #rejected(error: unknown, reasons: ReloadReason[]): ReloadOutcome {
    const { logger } = this.#options;
    if (!(error instanceof ConfigError)) {
      logger.error(
        { err: error, reason: reasons },
        'config reload failed; keeping the running config',
      );
      return { status: 'failed', error };
    }

    for (const problem of error.problems) {
      const log = problem.severity === 'error' ? logger.error : logger.warn;
      log.call(logger, { problem: formatProblem(problem) }, 'config problem');
    }
    const errors = error.problems.filter((problem) => problem.severity === 'error').length;
    logger.error(
      {
        errors: error.code === 'CONFIG_INVALID' ? errors : 1,
        reason: reasons,
        detail: error.code === 'CONFIG_UNREADABLE' ? error.message : undefined,
      },
      'config rejected; keeping the running config',
    );
    return { status: 'invalid', problems: error.problems };
  }
}

class PendingReload {
  readonly reasons = new Set<ReloadReason>();
  readonly promise: Promise<ReloadOutcome>;
  resolve!: (outcome: ReloadOutcome) => void;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }
}

function report(summary: ReloadSummary, reasons: ReloadReason[], logger: ReloaderLogger): void {
  if (summary.restartRequired.length > 0) {
    logger.warn(
      { keys: summary.restartRequired },
      'changed settings take effect only after a restart; everything else was applied',
    );
  }

  const { added, changed, removed } = summary;
  const counts = `${added.length} added, ${changed.length} changed, ${removed.length} removed`;
  logger.info({ reason: reasons, added, changed, removed }, `config reloaded: ${counts}`);
}
