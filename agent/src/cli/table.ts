// Aligned text tables (vtysh/gobgp style): left-aligned text, right-aligned numbers, two spaces between columns.
export type Cell = string | number | boolean | null | undefined;

export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^-?\d+$/.test(String(r[i] ?? ''))));
  const width = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n') + '\n';
}

/** key: value lines for one object. */
export function fields(pairs: [string, Cell][]): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 1)} ${v === null || v === undefined ? '-' : String(v)}`).join('\n') + '\n';
}
