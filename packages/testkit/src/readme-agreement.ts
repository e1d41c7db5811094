import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What {@link checkReadmeAgreement} reads: one package's directory and entry points. */
export interface ReadmeAgreementOptions {
  /** The package directory (holding README.md and src/). */
  readonly packageDir: string;
  /** Entry files whose value exports the README must name; default `['src/index.ts']`. */
  readonly entries?: readonly string[];
  /**
   * Upper-snake strings in src/ that are not codes this package throws: codes it reads
   * from others (Node's TLS and fs errors, a dependency's). Listed, so that a new code
   * of our own cannot hide among them.
   */
  readonly foreignCodes?: readonly string[];
}

/** What the README misses; both lists are empty when it agrees with the code. */
export interface ReadmeAgreement {
  /** Functions, classes and constants exported by an entry but never named in README.md. */
  readonly undocumentedExports: string[];
  /** Error codes written in src/ but absent from the README's `## Errors` section. */
  readonly undocumentedCodes: string[];
}

const ERROR_CODE = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;

/**
 * Compares a package's README with its code, as pino and fastify check their error
 * docs: every value export is named, and every error code appears in the Errors section.
 */
export async function checkReadmeAgreement(
  options: ReadmeAgreementOptions,
): Promise<ReadmeAgreement> {
  const { packageDir, entries = ['src/index.ts'], foreignCodes = [] } = options;
  const readme = await readFile(join(packageDir, 'README.md'), 'utf8');

  const exported = new Set<string>();
  for (const entry of entries) {
    const source = await readFile(join(packageDir, entry), 'utf8');
    for (const name of valueExports(source)) exported.add(name);
  }

  const codes = new Set<string>();
  for (const source of await readSources(join(packageDir, 'src'))) {
    for (const match of source.matchAll(ERROR_CODE)) codes.add(match[1] as string);
  }
  const errorsSection = section(readme, 'Errors');

  return {
    undocumentedExports: [...exported].filter((name) => !mentions(readme, name)).sort(),
    undocumentedCodes: [...codes]
      .filter((code) => !foreignCodes.includes(code) && !mentions(errorsSection, code))
      .sort(),
  };
}

/** Names of `export { a, b }`, `export * as ns` and exported declarations, types left out. */
function valueExports(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/^export \{([^}]*)\}/gm)) {
    const specifiers = (match[1] as string).split(',').map((part) => part.trim());
    for (const specifier of specifiers) {
      if (specifier === '' || specifier.startsWith('type ')) continue;
      names.push(specifier.split(/\s+as\s+/).pop() as string);
    }
  }
  const declared = /^export (?:\* as|(?:async )?function\*?|const|let|class) (\w+)/gm;
  for (const match of source.matchAll(declared)) names.push(match[1] as string);
  return names;
}

async function readSources(dir: string): Promise<string[]> {
  const files = await readdir(dir, { recursive: true });
  const typescript = files.filter((file) => file.endsWith('.ts')).sort();
  return Promise.all(typescript.map((file) => readFile(join(dir, file), 'utf8')));
}

/** The text from the `## title` heading to the next level-2 heading, or '' without one. */
function section(markdown: string, title: string): string {
  const start = markdown.search(new RegExp(`^## ${title}$`, 'm'));
  if (start === -1) return '';
  const rest = markdown.slice(start + 1);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);
}
