import { setFlagsFromString } from 'node:v8';

export interface LimitOldGenerationGrowthOptions {
  /** How far past the live heap the next full collection is due, in percent; default 50. */
  percent?: number;
  /** The node flags in effect; default `process.execArgv` and `NODE_OPTIONS`. */
  nodeFlags?: string;
}

/**
 * Makes V8 collect its old generation when it reaches the live heap plus `percent`,
 * instead of its own factor (up to 4× on a large machine). With a small young generation
 * (see capYoungGeneration), short-lived request objects are promoted, and under HTTP/2
 * load (16 connections × 10 streams) the old generation grew to 46 MB between full
 * collections: peak RSS 131 MB. With 50%: about 92 MB, for about 2% more CPU per
 * request (bench/findings.md; 20% cost about 6%).
 *
 * V8 reads the factor at every full collection, so it can be set at run time. Does
 * nothing when the user set `--heap-growing-percent` or an old-space size.
 */
export function limitOldGenerationGrowth(options: LimitOldGenerationGrowthOptions = {}): void {
  const nodeFlags =
    options.nodeFlags ?? `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (nodeFlags.includes('heap-growing') || nodeFlags.includes('old-space')) return;

  setFlagsFromString(`--heap-growing-percent=${options.percent ?? 50}`);
}
