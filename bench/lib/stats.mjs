/** Median of finite numbers; NaN when there are none. */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Smallest and largest finite value. */
export function range(values) {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [Number.NaN, Number.NaN];
  return [Math.min(...finite), Math.max(...finite)];
}

/** Half the range as a percentage of the median: the spread shown next to a median. */
export function spreadPercent(values) {
  const [low, high] = range(values);
  const mid = median(values);
  return mid ? ((high - low) / 2 / mid) * 100 : Number.NaN;
}
