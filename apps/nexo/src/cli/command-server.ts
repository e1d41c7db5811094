import { resolveConfigPath } from '../config/config-path.js';
import { formatProblem } from '../config/config-problem.js';
import { type LoadedConfig, loadConfig } from '../config/load-config.js';
import type { NexoConfig } from '../config/types.js';
import { type AppLogger, createLogger } from '../log/create-logger.js';
import { watchConfig } from '../reload/config-watcher.js';
import { Reloader, type ReloadSummary } from '../reload/reloader.js';
import type { CliIo } from './cli-io.js';
import { VERSION } from './command-version.js';
import { ExitCode } from './exit-codes.js';
import { COMMON_OPTIONS, parseCommandArgs } from './parse-command-args.js';
import { printConfigError } from './print-problems.js';
import { UsageError } from './usage-error.js';

/** The parts of a running server the command drives (the server module's `NexoServer`). */
export interface RunningServer {
  readonly config: NexoConfig;
  applyConfig(next: NexoConfig): Promise<ReloadSummary>;
  close(options?: { deadlineMs?: number }): Promise<void>;
}

/** What `nexo server` needs from the process; tests replace parts of it. */
export interface ServerCommandDeps {
  startServer?: (options: {
    config: NexoConfig;
    logger: AppLogger['logger'];
  }) => Promise<RunningServer>;
  /** Where SIGHUP, SIGTERM and SIGINT arrive; default `process`. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Exits at once (second signal); default `process.exit`. */
  exit?: (code: number) => void;
  /** Debounce of the config watcher; default 250 ms. */
  watchDebounceMs?: number;
}

/**
 * `nexo server`: loads the config, starts serving, reloads on file changes and SIGHUP,
 * and stops gracefully on SIGTERM/SIGINT (a second signal exits at once). Resolves with
 * the exit code once stopped.
 */
export async function runServer(
  args: string[],
  io: CliIo,
  deps: ServerCommandDeps = {},
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, COMMON_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const path = resolveConfigPath({ flag: values.config, env: io.env });
  const load = () => loadConfig({ path, env: io.env, stdoutIsTTY: io.stdout.isTTY === true });

  let loaded: LoadedConfig;
  try {
    loaded = await load();
  } catch (error) {
    if (printConfigError(io.stderr, error)) return ExitCode.failure;
    throw error;
  }

  const { config } = loaded;
  const app = await createLogger({ level: config.log.level, format: config.log.format });
  const { logger } = app;
  logCrashes(app, deps);
  logger.info({ version: VERSION, config: config.source.path }, 'starting nexo');
  for (const problem of loaded.warnings) {
    logger.warn({ problem: formatProblem(problem) }, 'config warning');
  }

  let server: RunningServer;
  try {
    const start = deps.startServer ?? (await import('../server/index.js')).startServer;
    server = await start({ config, logger });
  } catch (error) {
    logger.error({ err: error }, 'nexo could not start');
    await app.flush();
    return ExitCode.failure;
  }

  return serveUntilSignal({ server, app, load, path, deps });
}

async function serveUntilSignal(options: {
  server: RunningServer;
  app: AppLogger;
  load: () => Promise<LoadedConfig>;
  path: string;
  deps: ServerCommandDeps;
}): Promise<number> {
  const { server, app, deps } = options;
  const { logger } = app;
  const signals = deps.signals ?? process;
  const exit = deps.exit ?? ((code: number) => process.exit(code));

  const reloader = new Reloader({
    load: options.load,
    apply: (next) => applyLive(server, app, next),
    logger: logger.child({ component: 'reload' }),
  });
  const watcher = watchConfig({
    path: options.path,
    initialSha256: server.config.source.sha256,
    onChange: () => void reloader.request('file'),
    debounceMs: deps.watchDebounceMs,
    logger: logger.child({ component: 'reload' }),
  });
  const onHangup = () => void reloader.request('signal');
  signals.on('SIGHUP', onHangup);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal; exiting at once');
        app.flushSync();
        exit(ExitCode.failure);
        return;
      }
      stopping = true;
      const deadlineMs = server.config.shutdown.deadlineMs;
      logger.info({ signal, deadline_ms: deadlineMs }, 'stopping; finishing in-flight requests');

      void (async () => {
        watcher.close();
        signals.off('SIGHUP', onHangup);
        await reloader.close();
        await server.close({ deadlineMs });
        signals.off('SIGTERM', onStop);
        signals.off('SIGINT', onStop);
        logger.info({}, 'stopped');
        await app.flush();
        resolve(ExitCode.ok);
      })().catch(async (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        await app.flush();
        resolve(ExitCode.failure);
      });
    };
    signals.on('SIGTERM', onStop);
    signals.on('SIGINT', onStop);
  });
}

/**
 * Applies a reloaded config to the server and to the logger: the level changes live; the
 * output format is chosen once, so a change to it is reported as needing a restart.
 */
async function applyLive(
  server: RunningServer,
  app: AppLogger,
  next: NexoConfig,
): Promise<ReloadSummary> {
  const previous = server.config;
  const summary = await server.applyConfig(next);
  app.logger.level = next.log.level;

  if (previous.log.format === next.log.format) return summary;
  return { ...summary, restartRequired: [...summary.restartRequired, 'log.format'] };
}

/**
 * A bug that escapes every handler still ends in the log (JSON lines are buffered) before
 * the process exits with 1, instead of vanishing with the buffer.
 */
function logCrashes(app: AppLogger, deps: ServerCommandDeps): void {
  if (deps.signals !== undefined) return;
  process.once('uncaughtException', (error) => {
    app.logger.fatal({ err: error }, 'nexo crashed');
    app.flushSync();
    process.exit(ExitCode.failure);
  });
}
