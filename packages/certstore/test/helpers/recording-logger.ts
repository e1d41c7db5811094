import type { Logger } from '../../src/logger.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string | undefined;
  fields: Record<string, unknown>;
}

/** A pino-like logger that keeps every entry, children included, for assertions. */
export function recordingLogger(
  entries: LogEntry[] = [],
  bindings = {},
): Logger & {
  entries: LogEntry[];
} {
  const log =
    (level: LogEntry['level']) =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string) => {
      const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
      const text = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
      entries.push({ level, message: text, fields: { ...bindings, ...fields } });
    };

  return {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}
