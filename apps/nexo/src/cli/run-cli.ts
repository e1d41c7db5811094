import { closestMatch } from '../config/suggest.js';
import type { CliIo } from './cli-io.js';
import { runVersion } from './command-version.js';
import { ExitCode } from './exit-codes.js';
import { HELP } from './help.js';
import { UsageError } from './usage-error.js';

type Command = (args: string[], io: CliIo) => Promise<number> | number;

// Loaded on demand so `nexo version` and `nexo --help` do not load YAML, Ajv or pino.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  server: async () => (await import('./command-server.js')).runServer,
  validate: async () => (await import('./command-validate.js')).runValidate,
  certs: async () => (await import('./command-certs.js')).runCerts,
  version: async () => runVersion,
};

/**
 * Runs `nexo` with `argv` (without node and the script) and resolves with the exit code.
 * No command, or options only, means `server`. `--help` works on every command.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') return runVersion([], io);
  if (first === 'help' || ((first === '--help' || first === '-h') && rest.length === 0)) {
    io.stdout.write(HELP[rest[0] ?? 'nexo'] ?? HELP.nexo!);
    return ExitCode.ok;
  }

  const name = first === undefined || first.startsWith('-') ? 'server' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const loadCommand = COMMANDS[name];

  if (loadCommand === undefined) {
    const guess = closestMatch(name, Object.keys(COMMANDS));
    const hint = guess === undefined ? '' : `; did you mean "${guess}"?`;
    io.stderr.write(`nexo: unknown command "${name}"${hint}\n\n${HELP.nexo}`);
    return ExitCode.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(HELP[name]!);
    return ExitCode.ok;
  }

  try {
    const command = await loadCommand();
    return await command(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`nexo ${name}: ${error.message}\n\n${HELP[name]}`);
    return ExitCode.usage;
  }
}
