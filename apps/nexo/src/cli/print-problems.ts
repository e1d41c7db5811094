import { ConfigError } from '../config/config-error.js';
import { type ConfigProblem, formatProblem } from '../config/config-problem.js';

/** Writes each problem on its own line. */
export function printProblems(
  out: { write(text: string): unknown },
  problems: readonly ConfigProblem[],
): void {
  for (const problem of problems) out.write(`${formatProblem(problem)}\n`);
}

/** `2 errors, 1 warning` */
export function countProblems(problems: readonly ConfigProblem[]): string {
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const warnings = problems.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return warnings === 0
    ? plural(errors, 'error')
    : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** Prints why a config could not be used (for commands other than `validate`). */
export function printConfigError(out: { write(text: string): unknown }, error: unknown): boolean {
  if (!(error instanceof ConfigError)) return false;
  if (error.code === 'CONFIG_UNREADABLE') {
    out.write(`nexo: ${error.message}\n`);
    return true;
  }
  printProblems(out, error.problems);
  out.write(`nexo: the config has ${countProblems(error.problems)}; run "nexo validate"\n`);
  return true;
}
