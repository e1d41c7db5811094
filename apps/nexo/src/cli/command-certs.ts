import { resolveConfigPath } from '../config/config-path.js';
import { loadConfig } from '../config/load-config.js';
import type { NexoConfig } from '../config/types.js';
import { createLogger } from '../log/create-logger.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { formatDate, formatTable } from './format-table.js';
import { COMMON_OPTIONS, parseCommandArgs } from './parse-command-args.js';
import { printConfigError } from './print-problems.js';
import { UsageError } from './usage-error.js';

const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const;

/** `nexo certs list [--json]` and `nexo certs renew NAME`. */
export async function runCerts(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [action, name, extra] = positionals;

  if (action !== 'list' && action !== 'renew') {
    throw new UsageError(
      action === undefined ? 'missing action: list or renew' : `unknown action "${action}"`,
    );
  }
  if (action === 'list' && name !== undefined) throw new UsageError(`unexpected "${name}"`);
  if (action === 'renew' && name === undefined) throw new UsageError('missing certificate NAME');
  if (extra !== undefined) throw new UsageError(`unexpected "${extra}"`);
  if (action === 'renew' && values.json === true) throw new UsageError('--json is for list');

  let config: NexoConfig;
  try {
    config = (
      await loadConfig({
        path: resolveConfigPath({ flag: values.config, env: io.env }),
        env: io.env,
      })
    ).config;
  } catch (error) {
    if (printConfigError(io.stderr, error)) return ExitCode.failure;
    throw error;
  }

  return action === 'list'
    ? listCerts(config, values.json === true, io)
    : renewCert(config, name!, io);
}

async function listCerts(config: NexoConfig, json: boolean, io: CliIo): Promise<number> {
  const { listCertificates } = await import('../certs/commands.js');
  let rows: Awaited<ReturnType<typeof listCertificates>>;
  try {
    rows = await listCertificates(config);
  } catch (error) {
    // Storage that cannot be read (Redis down, a wrong password) is an operational
    // failure with its own message, not a bug to print a stack trace for.
    io.stderr.write(`nexo: listing certificates failed: ${describeError(error)}\n`);
    return ExitCode.failure;
  }

  if (json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    io.stdout.write('no certificates: the config has no hosts and the store is empty\n');
    return ExitCode.ok;
  }

  const table = [
    ['NAME', 'STATUS', 'EXPIRES', 'NEXT RENEWAL', 'NAMES', 'LAST ERROR'],
    ...rows.map((row) => [
      row.name,
      row.status,
      formatDate(row.notAfter),
      formatDate(row.nextRenewalAt),
      row.names.join(', '),
      row.lastError ?? '-',
    ]),
  ];
  io.stdout.write(`${formatTable(table)}\n`);
  return ExitCode.ok;
}

async function renewCert(config: NexoConfig, name: string, io: CliIo): Promise<number> {
  const { renewCertificate } = await import('../certs/commands.js');
  const app = await createLogger({
    level: config.log.level,
    format: config.log.format,
    destination: io.stderr as NodeJS.WritableStream,
    colorize: io.stderr.isTTY === true,
  });

  try {
    const row = await renewCertificate(config, name, app.logger);
    io.stdout.write(`renewed ${row.name}: valid until ${formatDate(row.notAfter)}\n`);
    return ExitCode.ok;
  } catch (error) {
    io.stderr.write(`nexo: renewing ${name} failed: ${describeError(error)}\n`);
    return ExitCode.failure;
  } finally {
    await app.flush();
  }
}

/** The message, and the stable code when the error has one (for scripts and searches). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.message} [${code}]` : error.message;
}
