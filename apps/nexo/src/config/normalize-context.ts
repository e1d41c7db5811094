import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { ProblemList, SourcePosition } from './config-problem.js';
import { type KeySegment, toPointer } from './key-path.js';
import { parseDuration, parseSize } from './parse-units.js';
import type { NodePlace } from './read-yaml.js';

/** A mapping from the file; a missing or mistyped section reads as empty. */
export type Raw = Readonly<Record<string, unknown>>;

/**
 * What the normalisation steps share: the problems found so far, positions, and typed
 * readers that tolerate values the schema already rejected (they read as absent), so the
 * steps can run — and report their own problems — even when the schema found errors.
 */
export class NormalizeContext {
  readonly problems: ProblemList;
  readonly configDir: string;
  readonly homeDir: string;
  /** The config file as the user named it, for `file:line:col` strings. */
  readonly file: string;
  readonly #places: ReadonlyMap<string, NodePlace>;

  constructor(options: {
    problems: ProblemList;
    places: ReadonlyMap<string, NodePlace>;
    configDir: string;
    file: string;
    homeDir?: string;
  }) {
    this.problems = options.problems;
    this.#places = options.places;
    this.configDir = options.configDir;
    this.homeDir = options.homeDir ?? homedir();
    this.file = options.file;
  }

  /** Position of the value at `path` (or of its key), else of the nearest parent. */
  at(path: readonly KeySegment[], onKey = false): SourcePosition {
    for (let length = path.length; length >= 0; length--) {
      const place = this.#places.get(toPointer(path.slice(0, length)));
      if (place === undefined) continue;
      // A missing key is reported at its parent's key: `cloudflare:` for cloudflare.api_token.
      const wantKey = onKey || length < path.length;
      return (wantKey ? place.key : undefined) ?? place.value;
    }
    return { line: 1, column: 1 };
  }

  /** `config.yaml:12:3`: where the key at `path` is, for logs. */
  where(path: readonly KeySegment[]): string {
    const at = this.at(path, true);
    return `${this.file}:${at.line}:${at.column}`;
  }

  /** The string form a line reference takes in messages: `line 12`. */
  lineOf(path: readonly KeySegment[]): string {
    return `line ${this.at(path, true).line}`;
  }

  error(path: readonly KeySegment[], message: string, onKey = false): void {
    this.problems.error(this.at(path, onKey), path, message);
  }

  warning(path: readonly KeySegment[], message: string, onKey = false): void {
    this.problems.warning(this.at(path, onKey), path, message);
  }

  /** Absolute path: `~/x` from the home directory, relative from the config's directory. */
  resolvePath(path: string): string {
    if (path === '~') return this.homeDir;
    if (path.startsWith('~/')) return join(this.homeDir, path.slice(2));
    return isAbsolute(path) ? path : resolve(this.configDir, path);
  }

  /**
   * A secret given inline (`key`) or in a file (`key_file`, relative to the config file):
   * the file's content with trailing newlines removed. Both at once is an error.
   */
  secret(raw: Raw, path: readonly KeySegment[], key: string): string | undefined {
    const inline = str(raw, key);
    const file = str(raw, `${key}_file`);

    if (inline !== undefined && file !== undefined) {
      this.error([...path, `${key}_file`], `set either ${key} or ${key}_file, not both`, true);
      return undefined;
    }
    if (file === undefined) return inline;

    try {
      const content = readFileSync(this.resolvePath(file), 'utf8').replace(/[\r\n]+$/, '');
      if (content.length === 0) this.error([...path, `${key}_file`], `${file} is empty`);
      return content.length === 0 ? undefined : content;
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
      this.error([...path, `${key}_file`], `cannot read ${file} (${reason})`);
      return undefined;
    }
  }
}

/** The mapping at `key`, or an empty one when it is absent or not a mapping. */
export function section(raw: Raw, key: string): Raw {
  const value = raw[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}

/** The string at `key`; `undefined` when absent or of another type (the schema said so). */
export function str(raw: Raw, key: string): string | undefined {
  const value = raw[key];
  return typeof value === 'string' ? value : undefined;
}

/** The boolean at `key`; `undefined` when absent or of another type. */
export function bool(raw: Raw, key: string): boolean | undefined {
  const value = raw[key];
  return typeof value === 'boolean' ? value : undefined;
}

/** The integer at `key`; `undefined` when absent or not an integer. */
export function int(raw: Raw, key: string): number | undefined {
  const value = raw[key];
  return Number.isInteger(value) ? (value as number) : undefined;
}

/** The strings of the list at `key`; other items are dropped (the schema reported them). */
export function strings(raw: Raw, key: string): string[] {
  const value = raw[key];
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

/** A duration in ms, the default when absent or invalid (the schema reported it). */
export function durationMs(raw: Raw, key: string, fallback: string): number {
  return parseDuration(str(raw, key) ?? fallback) ?? parseDuration(fallback)!;
}

/** A size in bytes, the default when absent or invalid (the schema reported it). */
export function sizeBytes(raw: Raw, key: string, fallback: string): number {
  const value = raw[key];
  const given = typeof value === 'string' || typeof value === 'number' ? value : fallback;
  return parseSize(given) ?? parseSize(fallback)!;
}
