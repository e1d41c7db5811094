import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

export interface CapYoungGenerationOptions {
  /** Largest size of one semi-space, in bytes; default 2 MiB. */
  semiSpaceBytes?: number;
  /** The node flags in effect; default `process.execArgv` and `NODE_OPTIONS`. */
  nodeFlags?: string;
}

/** V8 doubles a semi-space each time it grows; 1 keeps it where it is. */
const GROW = '--semi-space-growth-factor=2';
const HOLD = '--semi-space-growth-factor=1';

/**
 * Keeps V8's young generation near `semiSpaceBytes` per semi-space instead of letting it
 * double up to 16 MiB. Measured on Nexo with 100 routes and 50 certificates: start-up
 * alone grew it to 2 × 8 MiB, 14 MB of idle RSS holding almost nothing; 2 MiB kept
 * requests/s within noise while 1 MiB cost throughput (bench/findings.md).
 *
 * `--max-semi-space-size` cannot be changed once the heap exists, and a launcher or
 * shebang misses `node dist/cli.js`; the growth factor is read on every growth, so it is
 * switched after each collection: hold at the cap, grow below it (after V8 shrank the
 * young generation while idle). Does nothing when the user chose a semi-space size.
 * Returns a function that stops it.
 */
export function capYoungGeneration(options: CapYoungGenerationOptions = {}): () => void {
  const nodeFlags =
    options.nodeFlags ?? `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (nodeFlags.includes('semi-space')) return () => {};

  // Both semi-spaces count in the young generation's committed size.
  const limit = 2 * (options.semiSpaceBytes ?? 2 * 1024 * 1024);

  // Held from the start: the observer reports collections asynchronously, and a burst of
  // module loading could otherwise double the young generation several times before it.
  let holding = true;
  setFlagsFromString(HOLD);
  const observer = new PerformanceObserver(() => {
    const hold = youngGenerationBytes() >= limit;
    if (hold === holding) return;
    holding = hold;
    setFlagsFromString(hold ? HOLD : GROW);
  });
  observer.observe({ entryTypes: ['gc'] });

  return () => {
    observer.disconnect();
    if (holding) setFlagsFromString(GROW);
  };
}

function youngGenerationBytes(): number {
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') return space.space_size;
  }
  return 0;
}
