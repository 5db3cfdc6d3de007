import { describe, expect, it } from 'vitest';
import type { ConvShape } from './wasmConvPrograms';
import { winogradAlgorithm, winogradBytes } from './winograd';

const shape = (size: number, largestTile?: 4): ConvShape => ({
  batch: 1,
  inHeight: size + 2,
  inWidth: size + 2,
  inChannels: 8,
  outHeight: size,
  outWidth: size,
  outChannels: 16,
  filterHeight: 3,
  filterWidth: 3,
  stride: 1,
  groups: 1,
  ...(largestTile ? { largestTile } : {}),
});

describe('the Winograd matrices', () => {
  it.each([
    ['F(2×2, 3×3)', shape(8)],
    ['F(4×4, 3×3)', shape(8, 4)],
  ])('%s computes a 3-tap correlation exactly (float64)', (_name, s) => {
    const a = winogradAlgorithm(s)!;
    const { m, alpha, BT, G, AT } = a;
    expect([BT.length, G.length, AT.length, AT[0].length]).toEqual([alpha, alpha, m, alpha]);
    // y[i] = Σ_k g[k] d[i + k], from y = Aᵀ [(G g) ⊙ (Bᵀ d)] on integer data.
    const d = Array.from({ length: alpha }, (_, i) => ((i * 7 + 3) % 11) - 5);
    const g = [2, -3, 5];
    const times = (T: number[][], v: number[]) =>
      T.map((row) => row.reduce((s, t, j) => s + t * v[j], 0));
    const product = times(G, g).map((u, xi) => u * times(BT, d)[xi]);
    const y = times(AT, product);
    const direct = Array.from({ length: m }, (_, i) =>
      g.reduce((s, gk, k) => s + gk * d[i + k], 0),
    );
    y.forEach((value, i) => expect(value).toBeCloseTo(direct[i], 10));
  });

  it('sizes U by α² · ci · co and V, M by α² values a tile', () => {
    expect(winogradBytes(shape(8))).toEqual({
      u: 16 * 8 * 16 * 4,
      v: 16 * 16 * 8 * 4,
      m: 16 * 16 * 16 * 4,
    });
    expect(winogradBytes(shape(8, 4))).toEqual({
      u: 36 * 8 * 16 * 4,
      v: 4 * 36 * 8 * 4,
      m: 4 * 36 * 16 * 4,
    });
  });
});
