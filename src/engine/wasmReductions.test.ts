import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../spec/random';
import { initBackend } from './setBackend';
import { reductionLayout, sumFloat64 } from './wasmReductions';

const WASM_DIR = fileURLToPath(
  new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
);

beforeAll(async () => {
  expect((await initBackend('wasm', { wasmPaths: WASM_DIR })).backend).toBe('wasm');
});

/** Σ over `axes` in float64, for a row-major array of `shape`; keeps no dims. */
function reference(x: Float32Array, shape: number[], axes: number[], mean: boolean): number[] {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const out = new Map<string, number>();
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let flat = 0; flat < x.length; flat++) {
    const key = kept.map((i) => Math.floor(flat / strides[i]) % shape[i]).join(',');
    out.set(key, (out.get(key) ?? 0) + x[flat]);
  }
  const n = axes.reduce((a, i) => a * shape[i], 1);
  return [...out.values()].map((v) => (mean ? v / n : v));
}

describe('float64 Sum and Mean on wasm', () => {
  it('views contiguous reductions as [outer, reduce, inner] and refuses the others', () => {
    expect(reductionLayout([32, 8, 8, 16], [0, 1, 2])).toMatchObject({
      outer: 1,
      reduce: 2048,
      inner: 16,
    });
    expect(reductionLayout([4, 8, 8, 16], [2, 1])).toMatchObject({
      outer: 4,
      reduce: 64,
      inner: 16,
    });
    expect(reductionLayout([4, 8, 8, 16], [0, 2])).toBeNull();
    const out = new Float32Array(2);
    sumFloat64([1, 2, 3, 4, 5, 6], 1, 3, 2, out);
    expect([...out]).toEqual([9, 12]);
  });

  it('a batch-norm sized reduction is as exact as float32 can hold (the backend’s loses ~1e-5)', async () => {
    // 32 768 values per channel with a mean far from 0: what a float32 accumulator gets wrong.
    const shape = [32, 32, 32, 4];
    const rng = createRng(3);
    const x = new Float32Array(shape.reduce((a, b) => a * b)).map(() => 0.3 + rng.next());
    for (const [axes, mean] of [
      [[0, 1, 2], false],
      [[0, 1, 2], true],
      [[1, 2], true],
      [[3], false],
    ] as [number[], boolean][]) {
      const t = tf.tensor(x, shape);
      const got = await (mean ? tf.mean(t, axes) : tf.sum(t, axes)).data();
      const want = reference(x, shape, axes, mean);
      let worst = 0;
      want.forEach((w, i) => (worst = Math.max(worst, Math.abs(got[i] - w) / Math.abs(w))));
      expect(worst, `${mean ? 'mean' : 'sum'} over ${axes}`).toBeLessThan(1.2e-7);
      t.dispose();
    }
  });

  it('keeps dims, and leaves int32 and non-contiguous axes to the backend', async () => {
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(tf.sum(x, [0, 1], true).shape).toEqual([1, 1, 2]);
    expect(await tf.sum(x, [0, 1], true).data()).toEqual(new Float32Array([16, 20]));
    expect(await tf.sum(x, [0, 2]).data()).toEqual(new Float32Array([14, 22]));
    expect(await tf.mean(x).data()).toEqual(new Float32Array([4.5]));
    const ints = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
    const s = tf.sum(ints, 0);
    expect(s.dtype).toBe('int32');
    expect(await s.data()).toEqual(new Int32Array([4, 6]));
  });
});
