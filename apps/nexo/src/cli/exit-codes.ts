/**
 * Exit codes of every `nexo` command (documented in the README):
 * - 0: success; for `server`, a graceful stop after SIGTERM/SIGINT.
 * - 1: the config is invalid or unreadable, or the operation failed (a listener could
 *   not bind, a renewal failed, a second signal cut the shutdown short).
 * - 2: usage error (unknown command or option, missing argument).
 */
export const ExitCode = Object.freeze({ ok: 0, failure: 1, usage: 2 } as const);
