import { type ConfigProblem, formatProblem } from './config-problem.js';

/** Why a config could not be used; see {@link ConfigError}. */
export type ConfigErrorCode = 'CONFIG_UNREADABLE' | 'CONFIG_INVALID';

/**
 * The config file could not be used. `CONFIG_UNREADABLE`: the file could not be read
 * (missing, permissions); `CONFIG_INVALID`: it was read and {@link problems} lists every
 * error (and warning) found, each with file, line and column.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: ConfigErrorCode,
    message: string,
    options: { problems?: readonly ConfigProblem[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
  }

  /** Builds the `CONFIG_INVALID` error whose message lists every problem, one a line. */
  static invalid(file: string, problems: readonly ConfigProblem[]): ConfigError {
    const errors = problems.filter((problem) => problem.severity === 'error');
    const lines = problems.map(formatProblem).join('\n');
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    return new ConfigError('CONFIG_INVALID', `${file}: ${count} in config\n${lines}`, {
      problems,
    });
  }
}
