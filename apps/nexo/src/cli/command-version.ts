import packageJson from '../../package.json' with { type: 'json' };
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { parseCommandArgs } from './parse-command-args.js';
import { UsageError } from './usage-error.js';

/** The version of this build of nexo. */
export const VERSION: string = packageJson.version;

/** `nexo version`: `nexo 0.1.0 (node v20.18.0)`. */
export function runVersion(args: string[], io: CliIo): number {
  const { positionals } = parseCommandArgs(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);

  io.stdout.write(`nexo ${VERSION} (node ${process.version})\n`);
  return ExitCode.ok;
}
