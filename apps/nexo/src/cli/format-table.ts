/** Left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }

  return rows
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
        .join('  '),
    )
    .join('\n');
}

/** `2027-03-01 12:00 UTC`, or `-`. */
export function formatDate(date: Date | undefined): string {
  if (date === undefined) return '-';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
