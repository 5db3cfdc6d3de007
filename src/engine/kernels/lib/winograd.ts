// The Winograd algorithms our WASM convs use (wasmWinogradPrograms.ts has why and how), as
// their matrices, and which one a conv's shape takes: F(2×2, 3×3) and F(4×4, 3×3), Lavin &
// Gray 2015 (the matrices are theirs). Also what a shape's tiles take in memory.

import { lanesFor, type ConvShape } from './wasmConvPrograms';

/** One Winograd algorithm F(m × m, 3 × 3): Bᵀ (α × α), G (α × 3), Aᵀ (m × α), α = m + 2. */
export interface Algorithm {
  m: number;
  alpha: number;
  BT: number[][];
  G: number[][];
  AT: number[][];
}

const F2: Algorithm = {
  m: 2,
  alpha: 4,
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

const F4: Algorithm = {
  m: 4,
  alpha: 6,
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

export const transpose = (t: number[][]) => t[0].map((_, j) => t.map((row) => row[j]));

/**
 * The algorithm `s` runs as, or null: 3×3, stride 1, a packed output whose sides are multiples
 * of 4 (F4, where s.largestTile is 4) or even (F2), channels in fours and a group's output
 * channels that tile.
 */
export function winogradAlgorithm(s: ConvShape): Algorithm | null {
  const packed =
    !s.outLayout ||
    (s.outLayout.pixel === 1 &&
      s.outLayout.row === s.outWidth &&
      s.outLayout.image === s.outHeight * s.outWidth);
  const fits =
    s.filterHeight === 3 &&
    s.filterWidth === 3 &&
    s.stride === 1 &&
    packed &&
    s.inHeight === s.outHeight + 2 &&
    s.inWidth === s.outWidth + 2 &&
    s.inChannels % 4 === 0 &&
    s.outChannels % 4 === 0 &&
    lanesFor(s.outChannels / s.groups) !== 0;
  if (!fits) return null;
  if (s.largestTile === 4 && s.outHeight % 4 === 0 && s.outWidth % 4 === 0) return F4;
  if (s.outHeight % 2 === 0 && s.outWidth % 2 === 0) return F2;
  return null;
}

export function algorithmOf(s: ConvShape): Algorithm {
  const a = winogradAlgorithm(s);
  if (!a) throw new Error(`Winograd programs: shape ${JSON.stringify(s)} does not fit`);
  return a;
}

export const tilesOf = (s: ConvShape, a: Algorithm) => (s.outHeight / a.m) * (s.outWidth / a.m);

/** Bytes of U (or Z), and of one thread's V and M (or D), one image each. */
export function winogradBytes(s: ConvShape) {
  const a = algorithmOf(s);
  const values = tilesOf(s, a) * a.alpha * a.alpha;
  return {
    u: a.alpha * a.alpha * (s.inChannels / s.groups) * s.outChannels * 4,
    v: values * s.inChannels * 4,
    m: values * s.outChannels * 4,
  };
}
