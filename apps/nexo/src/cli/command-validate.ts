import { ConfigError } from '../config/config-error.js';
import { resolveConfigPath } from '../config/config-path.js';
import { loadConfig } from '../config/load-config.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { COMMON_OPTIONS, parseCommandArgs } from './parse-command-args.js';
import { countProblems, printProblems } from './print-problems.js';
import { UsageError } from './usage-error.js';

/**
 * `nexo validate`: loads the config exactly as `server` would and prints every problem
 * (errors and warnings) to stdout, then a one-line verdict.
 */
export async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, COMMON_OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"; use --config PATH`);
  }
  const path = resolveConfigPath({ flag: values.config, env: io.env });

  try {
    const { config, warnings } = await loadConfig({ path, env: io.env });
    printProblems(io.stdout, warnings);
    const hosts = `${config.proxies.length} host${config.proxies.length === 1 ? '' : 's'}`;
    const note =
      warnings.length === 0 ? '' : `, ${countProblems(warnings).replace(/^0 errors, /, '')}`;
    io.stdout.write(`${path}: valid (${hosts}${note})\n`);
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (error.code === 'CONFIG_UNREADABLE') {
      io.stderr.write(`nexo: ${error.message}\n`);
      return ExitCode.failure;
    }
    printProblems(io.stdout, error.problems);
    io.stdout.write(`${path}: invalid (${countProblems(error.problems)})\n`);
    return ExitCode.failure;
  }
}
