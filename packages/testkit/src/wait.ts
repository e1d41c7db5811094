/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `check` until it resolves to true or `timeoutMs` passes. `check` may throw:
 * the last error is reported if the deadline is reached.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;

  while (Date.now() < deadline) {
    const abortReason = options.abortIf?.();
    if (abortReason !== undefined) {
      throw new Error(`${what}: ${abortReason}`);
    }

    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs ?? 50);
  }
  throw new Error(`${what}: not ready after ${options.timeoutMs} ms`, { cause: lastError });
}
