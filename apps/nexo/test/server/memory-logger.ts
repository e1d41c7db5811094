import type { Logger } from '../../src/server/logger.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
  [field: string]: unknown;
}

/** A pino-compatible logger that keeps every line in memory, for assertions. */
export function createMemoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];

  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: LogLine['level']) =>
      (fieldsOrMessage: Record<string, unknown> | string, message?: string): void => {
        if (typeof fieldsOrMessage === 'string') {
          lines.push({ ...bindings, level, msg: fieldsOrMessage });
        } else {
          lines.push({ ...bindings, ...fieldsOrMessage, level, msg: message });
        }
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };

  return Object.assign(make({}), { lines });
}
