import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  parse as parseYaml,
} from 'yaml';
import type { ProblemList, SourcePosition } from './config-problem.js';
import { type KeySegment, toPointer } from './key-path.js';
import { substituteEnv } from './substitute-env.js';

/** Where a key and its value are in the file, by the JSON Pointer of the value. */
export interface NodePlace {
  /** The key's position, for entries of a mapping. */
  readonly key: SourcePosition | undefined;
  readonly value: SourcePosition;
}

/** The plain value of a YAML file plus the position of every key and value in it. */
export interface ReadYamlResult {
  readonly value: unknown;
  readonly places: ReadonlyMap<string, NodePlace>;
  /** Pointers of values whose `${NAME}` failed: already reported, not to be re-checked. */
  readonly unresolved: ReadonlySet<string>;
}

const MAX_DEPTH = 64;
/** More alias uses than this is a file crafted to expand (a "billion laughs"), not a config. */
const MAX_ALIASES = 100;
const START: SourcePosition = { line: 1, column: 1 };

/**
 * Parses YAML into plain data, keeping positions, and replaces `${NAME}` references in
 * every string (keys included) from `env`. YAML syntax errors and unset variables go to
 * `problems`; when there is any syntax error, `value` is `undefined`.
 */
export function readYaml(
  text: string,
  env: NodeJS.ProcessEnv,
  problems: ProblemList,
): ReadYamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const places = new Map<string, NodePlace>();
  const unresolved = new Set<string>();
  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return START;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  if (doc.errors.length > 0) {
    for (const error of doc.errors) problems.error(at(error.pos[0]), [], yamlMessage(error));
    return { value: undefined, places, unresolved };
  }

  const walker = new Walker(doc, env, problems, places, unresolved, at);
  places.set('', { key: undefined, value: at(doc.contents?.range[0] ?? 0) });
  return { value: walker.toValue(doc.contents, [], 0), places, unresolved };
}

function yamlMessage(error: { code: string; message: string }): string {
  if (error.code === 'DUPLICATE_KEY') return 'the same key appears twice in this mapping';
  return `YAML syntax error: ${error.message.replace(/\s+at line \d+, column \d+.*$/s, '')}`;
}

class Walker {
  aliasCount = 0;

  constructor(
    readonly doc: Document,
    readonly env: NodeJS.ProcessEnv,
    readonly problems: ProblemList,
    readonly places: Map<string, NodePlace>,
    readonly unresolved: Set<string>,
    readonly at: (offset: number | undefined) => SourcePosition,
  ) {}

  toValue(node: unknown, path: KeySegment[], depth: number): unknown {
    if (depth > MAX_DEPTH) {
      this.problems.error(this.position(node), path, 'nested too deeply (aliases loop?)');
      return null;
    }
    if (isAlias(node)) return this.alias(node, path, depth);
    if (isMap(node)) return this.mapping(node.items, path, depth);
    if (isSeq(node)) {
      return node.items.map((item, index) => this.entry(item, null, [...path, index], depth));
    }
    if (isScalar(node)) return this.scalar(node, path);
    return null;
  }

  alias(node: { resolve(doc: Document): unknown }, path: KeySegment[], depth: number): unknown {
    this.aliasCount += 1;
    if (this.aliasCount > MAX_ALIASES) {
      if (this.aliasCount === MAX_ALIASES + 1) {
        this.problems.error(
          this.position(node),
          path,
          `more than ${MAX_ALIASES} alias uses (*name); write the values out instead`,
        );
      }
      return null;
    }
    return this.toValue(node.resolve(this.doc), path, depth + 1);
  }

  mapping(
    items: ReadonlyArray<{ key: unknown; value: unknown }>,
    path: KeySegment[],
    depth: number,
  ): Record<string, unknown> {
    const result: Record<string, unknown> = {};

    for (const pair of items) {
      const key = this.key(pair.key, path);
      if (key === undefined) continue;
      const value = this.entry(pair.value, pair.key, [...path, key], depth);
      // `key:` with nothing after it (say, every item commented out) means "not set" for a
      // setting; a host under `proxies` with nothing would silently lose its route.
      if (value === null && path.length === 1 && path[0] === 'proxies') {
        this.problems.error(
          this.position(pair.key),
          [...path, key],
          'has no settings; give it an upstream or a redirect',
        );
      }
      if (value !== null) result[key] = value;
    }

    return result;
  }

  entry(node: unknown, keyNode: unknown, path: KeySegment[], depth: number): unknown {
    const keyPlace = keyNode === null ? undefined : this.position(keyNode);
    const valuePlace = node === null || node === undefined ? keyPlace : this.position(node);
    this.places.set(toPointer(path), { key: keyPlace, value: valuePlace ?? START });
    if (node === null || node === undefined) return null;
    return this.toValue(node, path, depth + 1);
  }

  key(node: unknown, path: KeySegment[]): string | undefined {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
      this.problems.error(this.position(node), path, 'mapping keys must be plain text');
      return undefined;
    }
    const raw = String(node.value);
    const substitution = substituteEnv(raw, this.env);
    if (substitution.ok) return substitution.text;

    for (const message of substitution.messages) {
      this.problems.error(this.position(node), [...path, raw], message);
    }
    return raw;
  }

  scalar(node: { value: unknown; type?: string; range?: unknown }, path: KeySegment[]): unknown {
    if (typeof node.value !== 'string') return node.value;

    const substitution = substituteEnv(node.value, this.env);
    if (!substitution.ok) {
      for (const message of substitution.messages) {
        this.problems.error(this.position(node), path, message);
      }
      this.unresolved.add(toPointer(path));
      return node.value;
    }

    if (substitution.changed && node.type === 'PLAIN') return retype(substitution.text);
    return substitution.text;
  }

  position(node: unknown): SourcePosition {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return this.at(range?.[0]);
  }
}

/**
 * A plain (unquoted) scalar that used `${NAME}` gets the type its final text would have
 * had in the file: `port: ${PORT}` with PORT=8443 is a number, `staging: ${S}` a boolean.
 */
function retype(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    // A number that would not print back as the same text (a long numeric token) stays text.
    if (typeof value === 'number' && String(value) === text) return value;
    if (typeof value === 'boolean') return value;
  } catch {
    // Not a plain scalar on its own (contains ": " or similar): it stays a string.
  }
  return text;
}
