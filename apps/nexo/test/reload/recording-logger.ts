/** One line a {@link RecordingLogger} received. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A pino-compatible logger that keeps every line, for assertions on what was logged. */
export class RecordingLogger {
  readonly lines: LogLine[];

  constructor(lines: LogLine[] = []) {
    this.lines = lines;
  }

  debug(fields: object, msg?: string): void {
    this.lines.push({ level: 'debug', fields: { ...fields }, msg });
  }
  info(fields: object, msg?: string): void {
    this.lines.push({ level: 'info', fields: { ...fields }, msg });
  }
  warn(fields: object, msg?: string): void {
    this.lines.push({ level: 'warn', fields: { ...fields }, msg });
  }
  error(fields: object, msg?: string): void {
    this.lines.push({ level: 'error', fields: { ...fields }, msg });
  }
  child(): RecordingLogger {
    return new RecordingLogger(this.lines);
  }
}
