import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogConfig } from '../config/types.js';
import { REDACT_PATHS } from './redact-paths.js';

export interface CreateLoggerOptions {
  level: LogConfig['level'];
  format: LogConfig['format'];
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
  /** Colours in pretty output; default whether stdout is a terminal. */
  colorize?: boolean;
}

/** The application logger and how to make sure everything it buffered is written. */
export interface AppLogger {
  readonly logger: Logger;
  /** Writes out buffered lines; call before the process exits. Never rejects. */
  flush(): Promise<void>;
  /** Writes out buffered lines before returning, for a crash or an immediate exit. */
  flushSync(): void;
}

/**
 * Creates Nexo's one pino logger (libraries get it injected): JSON lines by default,
 * human-readable through pino-pretty for `format: pretty`, secrets redacted.
 * pino-pretty runs in-process (no worker thread) and is loaded only when asked for.
 */
export async function createLogger(options: CreateLoggerOptions): Promise<AppLogger> {
  const stream = await openStream(options);
  const logger = pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    stream,
  );

  return {
    logger,
    flushSync: () => {
      try {
        (stream as { flushSync?: () => void }).flushSync?.();
      } catch {
        // Nothing was buffered, or the destination is gone: nothing more can be done.
      }
    },
    flush: () =>
      new Promise<void>((resolve) => {
        try {
          logger.flush(() => resolve());
        } catch {
          // A destination that cannot flush (a plain stream) has nothing buffered.
          resolve();
        }
      }),
  };
}

async function openStream(options: CreateLoggerOptions): Promise<DestinationStream> {
  if (options.format === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    return pretty({
      colorize: options.colorize ?? process.stdout.isTTY === true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      destination: options.destination ?? 1,
    });
  }

  if (options.destination !== undefined) return options.destination as DestinationStream;
  // Asynchronous writes keep the access log off the request path; flush() drains them.
  return pino.destination({ dest: 1, sync: false });
}
