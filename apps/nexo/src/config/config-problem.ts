import { formatKeyPath, type KeySegment } from './key-path.js';

/** One thing wrong (or worth a warning) in a config file, with its place. */
export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  /** The file as the user named it (`config.yaml`, `/etc/nexo/config.yaml`). */
  readonly file: string;
  /** 1-based line and column of the offending key or value. */
  readonly line: number;
  readonly column: number;
  /** Key path such as `proxies."api.example.com".upstream`; empty for the whole file. */
  readonly keyPath: string;
  readonly message: string;
}

/** A position in the file, 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * `config.yaml:12:5: proxies."api.example.com".upstream: must be an http(s) URL`;
 * warnings read `config.yaml:3:1: warning: webui: ...`.
 */
export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}:`;
  const severity = problem.severity === 'warning' ? ' warning:' : '';
  const key = problem.keyPath === '' ? '' : ` ${problem.keyPath}:`;
  return `${where}${severity}${key} ${problem.message}`;
}

/** Collects problems for one file; the order of reporting is sorted by position later. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  error(at: SourcePosition, keyPath: readonly KeySegment[], message: string): void {
    this.#add('error', at, keyPath, message);
  }

  warning(at: SourcePosition, keyPath: readonly KeySegment[], message: string): void {
    this.#add('warning', at, keyPath, message);
  }

  get hasErrors(): boolean {
    return this.items.some((problem) => problem.severity === 'error');
  }

  /** Problems by line then column, duplicates (same place, same words) removed. */
  sorted(): ConfigProblem[] {
    const seen = new Set<string>();
    const unique = this.items.filter((problem) => {
      const text = formatProblem(problem);
      if (seen.has(text)) return false;
      seen.add(text);
      return true;
    });
    return unique.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  #add(
    severity: ConfigProblem['severity'],
    at: SourcePosition,
    keyPath: readonly KeySegment[],
    message: string,
  ): void {
    this.items.push({
      severity,
      file: this.#file,
      line: at.line,
      column: at.column,
      keyPath: formatKeyPath(keyPath),
      message,
    });
  }
}
