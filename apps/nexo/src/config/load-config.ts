import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { type ConfigProblem, ProblemList } from './config-problem.js';
import { deepFreeze } from './deep-freeze.js';
import { normalizeConfig } from './normalize-config.js';
import { NormalizeContext, type Raw } from './normalize-context.js';
import { readYaml } from './read-yaml.js';
import type { NexoConfig } from './types.js';
import { validateSchema } from './validate-schema.js';

/** 1 MiB: room for thousands of hosts, and a bound on the time one reload can take. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The config file, as the user named it; messages use this spelling. */
  path: string;
  /** Variables for `${NAME}`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** For `~` in paths; default the user's home directory. */
  homeDir?: string;
  /** Decides the default `log.format`; default whether stdout is a terminal. */
  stdoutIsTTY?: boolean;
}

/** A valid, frozen config and the warnings found while loading it. */
export interface LoadedConfig {
  readonly config: NexoConfig;
  /** Problems that did not stop the file from loading (unsupported keys, old names). */
  readonly warnings: readonly ConfigProblem[];
}

/**
 * Reads, checks and normalises a config file: YAML with positions, `${NAME}` from the
 * environment, JSON Schema, secrets from `*_file` keys, cross-key rules, defaults. The
 * result is deeply frozen.
 *
 * Rejects with a {@link ConfigError}: `CONFIG_UNREADABLE` when the file cannot be read,
 * `CONFIG_INVALID` listing every problem at once (`config.yaml:12:5: key: message`).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const absolute = resolve(options.path);
  let bytes: Buffer;
  try {
    await checkConfigFile(absolute, options.path);
    bytes = await readFile(absolute);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    const hint = 'create it or pass --config PATH';
    const message = `cannot read config file ${options.path} (${reason}); ${hint}`;
    throw new ConfigError('CONFIG_UNREADABLE', message, { cause });
  }

  return parseConfig({
    ...options,
    // A byte-order mark (some Windows editors write one) would shift line 1's columns.
    text: bytes.toString('utf8').replace(/^\uFEFF/, ''),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
}

/** {@link loadConfig} on text already read; `path` is used for messages and relative paths. */
export function parseConfig(
  options: LoadConfigOptions & { text: string; sha256?: string },
): LoadedConfig {
  const absolute = resolve(options.path);
  const problems = new ProblemList(options.path);
  const env = options.env ?? process.env;

  const { value, places, unresolved } = readYaml(options.text, env, problems);
  if (problems.hasErrors) throw ConfigError.invalid(options.path, problems.sorted());
  validateSchema(value, places, problems, unresolved);

  const ctx = new NormalizeContext({
    problems,
    places,
    configDir: dirname(absolute),
    file: options.path,
    homeDir: options.homeDir,
  });
  const sha256 = options.sha256 ?? createHash('sha256').update(options.text).digest('hex');
  const isMapping = typeof value === 'object' && value !== null && !Array.isArray(value);
  const config = normalizeConfig(isMapping ? (value as Raw) : {}, ctx, {
    source: { path: absolute, sha256 },
    stdoutIsTTY: options.stdoutIsTTY ?? process.stdout.isTTY === true,
  });

  const all = problems.sorted();
  if (problems.hasErrors) throw ConfigError.invalid(options.path, all);
  return { config: deepFreeze(config), warnings: all };
}

/**
 * A config is a small regular file. A device (`/dev/zero`) or a huge file would be read
 * and parsed for as long as it lasts, stalling a running server's reload.
 */
async function checkConfigFile(absolute: string, shownPath: string): Promise<void> {
  const info = await stat(absolute);
  if (!info.isFile()) {
    const what = info.isDirectory() ? 'a directory' : 'not a regular file';
    throw new ConfigError(
      'CONFIG_UNREADABLE',
      `config file ${shownPath} is ${what}; pass the path of a YAML file with --config`,
    );
  }
  if (info.size > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      'CONFIG_UNREADABLE',
      `config file ${shownPath} is ${info.size} bytes; Nexo reads at most ${MAX_CONFIG_BYTES}`,
    );
  }
}
