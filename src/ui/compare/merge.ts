// Recharts draws every line of a chart from one data array, so series sampled at different x
// (runs of different lengths, loss curves thinned differently) are merged into rows keyed by x
// with one column per series: `s0`, `s1`, … (by index, as run ids are no safe dataKey paths).
// A series without a point at some x leaves its column undefined; the lines connect over it.

export type MergedRow = { x: number } & Record<string, number | undefined>;

export const seriesKey = (index: number) => `s${index}`;

export function mergeByX(series: { x: number; y: number }[][]): MergedRow[] {
  const rows = new Map<number, MergedRow>();
  series.forEach((points, i) => {
    for (const { x, y } of points) {
      let row = rows.get(x);
      if (!row) rows.set(x, (row = { x } as MergedRow));
      row[seriesKey(i)] = y;
    }
  });
  return [...rows.values()].sort((a, b) => a.x - b.x);
}
