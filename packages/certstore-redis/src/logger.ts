import type { Logger } from '@nexo/certstore';

const noop = (): void => {};

/** Drops everything: the default when no logger is given. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
