const MAX_MESSAGE_LENGTH = 500;

/**
 * The delay a CA or DNS API asked for (Retry-After), found on the error or one of its
 * causes as `retryAfterMs` (milliseconds), `retryAfterSeconds` or `retryAfter` (a Date
 * or seconds). `undefined` when none was sent.
 */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const facts = current as Error & {
      retryAfterMs?: unknown;
      retryAfterSeconds?: unknown;
      retryAfter?: unknown;
    };
    if (typeof facts.retryAfterMs === 'number') return facts.retryAfterMs;
    if (typeof facts.retryAfterSeconds === 'number') return facts.retryAfterSeconds * 1000;
    if (facts.retryAfter instanceof Date) return Math.max(0, facts.retryAfter.getTime() - now);
    if (typeof facts.retryAfter === 'number') return facts.retryAfter * 1000;
    current = current.cause;
  }
  return undefined;
}

/**
 * A one-line description of a failure for logs and `nexo certs list`: the messages of
 * the error and its causes. Nexo's libraries never put secrets in messages; this only
 * joins and shortens them.
 */
export function safeErrorMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    // Wrappers often repeat their cause's message; keep each text once.
    if (!parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }

  const text = parts.join(': ').replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
