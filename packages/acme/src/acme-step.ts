import type { AcmeTransport, OperationContext } from './acme-transport.js';
import { AcmeProblemError, NexoAcmeError } from './errors.js';

/**
 * Runs one acme-client call and turns what it throws into a typed error: acme-client
 * flattens problem documents into strings, so the problem the transport recorded for this
 * operation is used instead; our own errors pass through; an abort rejects with the
 * signal's reason.
 */
export async function acmeStep<T>(
  transport: AcmeTransport,
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  const context = transport.context();
  context.signal?.throwIfAborted();
  context.lastProblem = undefined;

  try {
    return await fn();
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    if (error instanceof NexoAcmeError) throw error;

    // The transport sets it while `fn` runs; TypeScript cannot see that.
    const recorded = context.lastProblem as OperationContext['lastProblem'];
    if (recorded !== undefined) {
      throw new AcmeProblemError(
        recorded.problem,
        { status: recorded.status, retryAfterMs: recorded.retryAfterMs, operation },
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new NexoAcmeError('ACME_CLIENT_ERROR', `${operation} failed: ${message}`, {
      cause: error,
    });
  }
}
