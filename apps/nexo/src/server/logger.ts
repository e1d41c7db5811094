type LogFn = {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
};

/**
 * The pino-compatible logger surface the server uses; pino's Logger satisfies it, and
 * it satisfies the loggers the @nexo libraries accept.
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};

/** A logger that drops everything, for commands that report through return values. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
