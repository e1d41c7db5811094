import { BODIES } from './origin.mjs';

/**
 * A proxy that answers 200 with the wrong body (an unmatched site, an empty page) would
 * look fast: returns a warning when a run's responses are on average shorter than the
 * file it asked for. wrk's byte count includes headers but is rounded to two decimals of
 * its unit, hence the 2% tolerance; h2load counts body bytes exactly.
 * @param {{ bytesPerResponse?: number, bytesIncludeHeaders?: boolean }} run
 * @param {{ path?: string }} scenario
 */
export function shortBodyWarning(run, scenario) {
  const expected = scenario.path ? BODIES[scenario.path.slice(1)] : undefined;
  if (!expected || !Number.isFinite(run.bytesPerResponse)) return undefined;

  const floor = run.bytesIncludeHeaders ? expected * 0.98 : expected;
  if (run.bytesPerResponse >= floor) return undefined;
  return `short responses: ${Math.round(run.bytesPerResponse)} B on average, expected ${expected}`;
}
