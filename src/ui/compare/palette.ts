// Series colours for the overlay charts. Concrete hex, not the theme's CSS variables, because
// they also go into PNG exports. Mid-luminance hues, so each line stays readable on the light
// panel (#fff) and the dark one (#1d1d22); the first is close to the theme's cardinal accent.
const PALETTE = [
  '#e0434d', // red
  '#2f7ed8', // blue
  '#1f9e6a', // green
  '#e08a00', // orange
  '#8e5bd6', // purple
  '#0fa3b1', // teal
  '#d0508f', // pink
  '#8a9a1f', // olive
  '#a0714f', // brown
  '#6b7f99', // slate
];

/** HSL (degrees, fractions) → "#rrggbb". */
function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** The colour of series `index` (0-based); past the palette, hues spaced by the golden angle. */
export function seriesColor(index: number): string {
  if (index < PALETTE.length) return PALETTE[index];
  return hslHex((index * 137.508) % 360, 0.6, 0.5);
}
