import type { Logger } from '@nexo/certstore';

/**
 * The pino-compatible logger surface the server uses: the one @nexo/certstore declares,
 * which pino's Logger satisfies and which every @nexo library accepts.
 */
export type { Logger };

const noop = (): void => {};

/** A logger that drops everything, for commands that report through return values. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
