type LogFn = {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
};

/**
 * The pino-compatible logger this package writes to. It never creates one; the
 * application passes its own (or a child of it).
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
