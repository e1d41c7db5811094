/** The command line itself is wrong: the CLI prints the message and the help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}
