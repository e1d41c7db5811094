const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration such as `30s`, `500ms`, `1h30m` or `1.5h` into whole milliseconds.
 * A unit is required on every number, so `30` (seconds? minutes?) is rejected.
 * Returns `undefined` for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim();
  if (input.length === 0) return undefined;

  let totalMs = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < input.length) {
    const match = DURATION_PART.exec(input);
    if (match === null) return undefined;
    totalMs += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
  }

  return Math.round(totalMs);
}

const SIZE_UNITS_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * Parses a size such as `10MB`, `512KB`, `1GiB` or `2048` (bytes) into whole bytes.
 * KB, MB and GB are binary (1024-based), as in nginx and the original nexo's limits.
 * Returns `undefined` for anything else.
 */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : undefined;

  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;

  const unit = match[2]!.toLowerCase();
  const factor = unit === '' ? 1 : SIZE_UNITS_BYTES[unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}
