// Number formatting shared by every panel.

/** 269722 → "269,722". */
export const grouped = (n: number) => n.toLocaleString('en-US');

/** 40551040 → "40.6 M", 1.2e9 → "1.20 G". */
export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** 83.4 → "1 m 23 s", 12.34 → "12.3 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} m` : `${m} m ${s % 60} s`;
}

/** A table cell: "—" where there is no number (yet), else the number as `show` writes it. */
export function formatCell(
  value: string | number | null | undefined,
  show?: (value: number) => string,
): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && !Number.isFinite(value)) return '—';
  return typeof value === 'number' && show ? show(value) : String(value);
}

/** An estimate's length: "about a minute", "about 12 minutes", "about 9 hours", "about 3 days". */
export function roughDuration(seconds: number): string {
  const minutes = seconds / 60;
  if (minutes < 1.5) return 'about a minute';
  if (minutes < 90) return `about ${Math.round(minutes)} minutes`;
  const hours = minutes / 60;
  if (hours < 48) return `about ${Math.round(hours)} hours`;
  return `about ${Math.round(hours / 24)} days`;
}

/** Bytes as MB/GB. */
export function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MB`;
  return `${(n / 2 ** 10).toFixed(0)} kB`;
}

/** [64, 8, 8] → "64×8×8". */
export const shape = (s: readonly number[]) => s.join('×');
