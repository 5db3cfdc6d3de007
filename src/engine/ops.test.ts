import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../spec/random';
import { onBackend, randomValues, wasmInNode } from './kernels/lib/testUtil';
import { dropout2d, flattenTorch, linear, maxPool2d, shortcutA, shortcutAByConv } from './ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** x[n, h, w, c] = −(1 + index): all negative, so zero padding would change every border max. */
function negativeRamp(shape: [number, number, number, number]): tf.Tensor4D {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = -1 - ((i * 7919) % size);
  return tf.tensor4d(v, shape);
}

describe('maxPool2d', () => {
  it('3×3 stride 2 pad 1 equals PyTorch (−∞ padding) computed by hand, even and odd sizes', () => {
    for (const size of [8, 7]) {
      const x = negativeRamp([1, size, size, 2]);
      const v = x.dataSync();
      const y = maxPool2d(x, 3, 2, 1);
      const ho = Math.floor((size + 2 - 3) / 2) + 1;
      expect(y.shape).toEqual([1, ho, ho, 2]);
      const got = y.dataSync();
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < ho; j++)
          for (let c = 0; c < 2; c++) {
            let m = -Infinity;
            for (let a = 0; a < 3; a++)
              for (let b = 0; b < 3; b++) {
                const r = 2 * i + a - 1;
                const q = 2 * j + b - 1;
                if (r >= 0 && r < size && q >= 0 && q < size)
                  m = Math.max(m, v[(r * size + q) * 2 + c]);
              }
            expect(got[(i * ho + j) * 2 + c]).toBe(m);
          }
      tf.dispose([x, y]);
    }
  });

  it('4×4 stride 1 valid (the max4 head) shrinks by 3', () => {
    const x = negativeRamp([2, 6, 6, 3]);
    const y = maxPool2d(x, 4, 1, 0);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    tf.dispose([x, y]);
  });
});

/** [h, w, c, stride, out channels]: even and odd sizes, 3 channels, stride 1 and 3. */
const SHORTCUT_CASES = [
  [8, 8, 4, 2, 8],
  [7, 5, 4, 2, 8],
  [6, 6, 3, 2, 8],
  [6, 6, 4, 1, 6],
  [9, 9, 2, 3, 2],
];

describe('shortcutA', () => {
  function byHand(x: tf.Tensor4D, s: number, outC: number): Float32Array {
    const [n, h, w, c] = x.shape;
    const v = x.dataSync();
    const ho = Math.ceil(h / s);
    const wo = Math.ceil(w / s);
    const before = Math.floor((outC - c) / 2);
    const out = new Float32Array(n * ho * wo * outC);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++)
          for (let q = 0; q < c; q++)
            out[((b * ho + i) * wo + j) * outC + before + q] =
              v[((b * h + i * s) * w + j * s) * c + q];
    return out;
  }

  for (const [h, w, c, s, outC] of SHORTCUT_CASES) {
    it(`${h}×${w}×${c} stride ${s} → ${outC} channels matches x[:, ::s, ::s] + zero channels`, () => {
      const x = negativeRamp([2, h, w, c]);
      const y = shortcutA(x, s, outC);
      expect(y.shape).toEqual([2, Math.ceil(h / s), Math.ceil(w / s), outC]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(byHand(x, s, outC)));
      tf.dispose([x, y]);
    });
  }

  it('passes the gradient back to exactly the picked pixels', () => {
    const x = negativeRamp([1, 4, 4, 2]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(shortcutA(t as tf.Tensor4D, 2, 4)))(x);
    const want = new Float32Array(32);
    for (const [r, q] of [
      [0, 0],
      [0, 2],
      [2, 0],
      [2, 2],
    ])
      for (let c = 0; c < 2; c++) want[(r * 4 + q) * 2 + c] = 1;
    expect(Array.from(dx.dataSync())).toEqual(Array.from(want));
    tf.dispose([x, dx]);
  });

  it('refuses to drop channels', () => {
    const x = tf.zeros([1, 4, 4, 8]) as tf.Tensor4D;
    expect(() => shortcutA(x, 2, 4)).toThrow(/reduce/);
    expect(() => shortcutAByConv(x, 2, 4)).toThrow(/reduce/);
    x.dispose();
  });
});

describe('shortcutAByConv (our WASM convs with a 0/1 filter)', () => {
  beforeAll(wasmInNode);

  for (const [h, w, c, s, outC] of [...SHORTCUT_CASES, [16, 16, 16, 2, 32]]) {
    it(`${h}×${w}×${c} stride ${s} → ${outC}: shortcutA's values and gradient, exactly`, async () => {
      await onBackend('wasm', () => {
        const x = negativeRamp([3, h, w, c]);
        const [ho, wo] = [Math.ceil(h / s), Math.ceil(w / s)];
        const upstream = tf.tensor4d(randomValues(3 * ho * wo * outC, 7), [3, ho, wo, outC]);
        const run = (f: typeof shortcutA) =>
          tf.tidy(() => {
            const loss = (t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor4D, s, outC), upstream));
            return [f(x, s, outC), tf.grad(loss)(x)].map((t) => Array.from(t.dataSync()));
          });
        const [want, byConv] = [run(shortcutA), run(shortcutAByConv)];
        expect(byConv[0]).toEqual(want[0]);
        expect(byConv[1]).toEqual(want[1]);
        tf.dispose([x, upstream]);
      });
    });
  }
});

describe('dropout2d', () => {
  it('zeroes whole channels per sample and scales the rest by 1/(1−p)', () => {
    const x = tf.ones([4, 3, 3, 16]) as tf.Tensor4D;
    const y = dropout2d(x, 0.5, createRng(1));
    const v = y.dataSync();
    let zeros = 0;
    for (let b = 0; b < 4; b++)
      for (let c = 0; c < 16; c++) {
        const first = v[b * 144 + c];
        expect([0, 2]).toContain(first);
        for (let p = 0; p < 9; p++) expect(v[b * 144 + p * 16 + c]).toBe(first);
        if (first === 0) zeros++;
      }
    expect(zeros).toBeGreaterThan(10);
    expect(zeros).toBeLessThan(54);
    tf.dispose([x, y]);
  });

  it('is reproducible from the seed and keeps about 1 − p of the channels', () => {
    const x = tf.ones([64, 1, 1, 64]) as tf.Tensor4D;
    const a = dropout2d(x, 0.2, createRng(7));
    const b = dropout2d(x, 0.2, createRng(7));
    const c = dropout2d(x, 0.2, createRng(8));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    const dropped = Array.from(a.dataSync()).filter((v) => v === 0).length / 4096;
    expect(dropped).toBeGreaterThan(0.17);
    expect(dropped).toBeLessThan(0.23);
    // Mean preserved in expectation: E[y] = 1.
    expect(tf.tidy(() => tf.mean(a).dataSync()[0])).toBeCloseTo(1, 1);
    tf.dispose([x, a, b, c]);
  });

  it('p = 1 drops everything; p = 0 is the identity', () => {
    const x = tf.ones([2, 2, 2, 3]) as tf.Tensor4D;
    const all = dropout2d(x, 1, createRng(1));
    const none = dropout2d(x, 0, createRng(1));
    expect(Array.from(all.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(none.dataSync()).every((v) => v === 1)).toBe(true);
    tf.dispose([x, all, none]);
  });
});

describe('flattenTorch and linear', () => {
  it('flattens in PyTorch (C, H, W) order', () => {
    // x[0, h, w, c] = 100c + 10h + w → flattened index c·4 + h·2 + w must hold that value.
    const v: number[] = [];
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 2; w++) for (let c = 0; c < 3; c++) v.push(100 * c + 10 * h + w);
    const x = tf.tensor4d(v, [1, 2, 2, 3]);
    const f = flattenTorch(x);
    expect(f.shape).toEqual([1, 12]);
    expect(Array.from(f.dataSync())).toEqual([
      0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211,
    ]);
    tf.dispose([x, f]);
  });

  it('linear is x·W + b with W as [in, out]', () => {
    const x = tf.tensor2d([[1, 2]]);
    const w = tf.tensor2d([
      [1, 0, 2],
      [0, 1, 3],
    ]);
    const b = tf.tensor1d([10, 20, 30]);
    const y = linear(x, w, b);
    expect(Array.from(y.dataSync())).toEqual([11, 22, 38]);
    tf.dispose([x, w, b, y]);
  });
});
