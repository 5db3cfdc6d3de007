import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, normal } from '../spec/random';
import {
  defaultGroupedConvStrategy,
  GROUPED_CONV_STRATEGY,
  groupedConv2d,
  type GroupedConvStrategy,
} from './groupedConv';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randn(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = normal(rng);
  return tf.tensor(v, shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * The reference, written differently from both strategies: per group, slice the input
 * channels and the output columns with tf.slice, pad with tf.pad, run a 'valid' dense conv,
 * and write the group's outputs into place by padding them to the full channel count and
 * summing. Gradients come from tf.grads over this composition.
 */
function referenceConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  pad: number,
  groups: number,
): tf.Tensor4D {
  const [n, h, wd] = x.shape;
  const [kh, kw, inPerGroup, outC] = w.shape;
  const outPerGroup = outC / groups;
  const xp = tf.pad(x, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  let out: tf.Tensor4D | null = null;
  for (let g = 0; g < groups; g++) {
    const xg = tf.slice(xp, [0, 0, 0, g * inPerGroup], [n, h + 2 * pad, wd + 2 * pad, inPerGroup]);
    const wg = tf.slice(w, [0, 0, 0, g * outPerGroup], [kh, kw, inPerGroup, outPerGroup]);
    const yg = tf.conv2d(xg, wg, stride, 'valid');
    const placed = tf.pad(yg, [
      [0, 0],
      [0, 0],
      [0, 0],
      [g * outPerGroup, outC - (g + 1) * outPerGroup],
    ]);
    out = out === null ? placed : tf.add<tf.Tensor4D>(out, placed);
  }
  return out as tf.Tensor4D;
}

const STRATEGIES: GroupedConvStrategy[] = ['split', 'fused', 'masked'];

describe('groupedConv2d', () => {
  const cases: { inC: number; outC: number; groups: number; k: number; pad: number }[] = [
    { inC: 8, outC: 8, groups: 1, k: 3, pad: 1 },
    { inC: 8, outC: 12, groups: 2, k: 3, pad: 1 },
    { inC: 16, outC: 16, groups: 4, k: 3, pad: 1 },
    { inC: 16, outC: 32, groups: 8, k: 3, pad: 1 },
    { inC: 64, outC: 64, groups: 32, k: 3, pad: 1 },
    { inC: 16, outC: 8, groups: 4, k: 1, pad: 0 },
  ];
  for (const strategy of STRATEGIES) {
    for (const c of cases) {
      for (const stride of [1, 2]) {
        it(`${strategy}: in ${c.inC} out ${c.outC} C=${c.groups} k${c.k} stride ${stride}: y, dx, dw match the reference`, () => {
          const before = tf.memory().numTensors;
          const x = randn([2, 7, 6, c.inC], 1) as tf.Tensor4D;
          const w = randn([c.k, c.k, c.inC / c.groups, c.outC], 2) as tf.Tensor4D;
          const opts = { stride, pad: c.pad, groups: c.groups, strategy };
          // A non-uniform upstream gradient, so dx and dw are not sums of equal terms.
          const hOut = Math.floor((7 + 2 * c.pad - c.k) / stride) + 1;
          const wOut = Math.floor((6 + 2 * c.pad - c.k) / stride) + 1;
          const dy = randn([2, hOut, wOut, c.outC], 3) as tf.Tensor4D;

          const f = (a: tf.Tensor, b: tf.Tensor) =>
            groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, opts);
          const r = (a: tf.Tensor, b: tf.Tensor) =>
            referenceConv(a as tf.Tensor4D, b as tf.Tensor4D, stride, c.pad, c.groups);
          // Our op leaves exactly its output behind (the slices/masks are tidied inside).
          const mid = tf.memory().numTensors;
          const y = f(x, w);
          expect(tf.memory().numTensors).toBe(mid + 1);
          const yRef = tf.tidy(() => r(x, w));
          const [dx, dw] = tf.grads(f)([x, w], dy);
          const [dxRef, dwRef] = tf.grads(r)([x, w], dy);

          expect(y.shape).toEqual([2, hOut, wOut, c.outC]);
          expect(maxAbsDiff(y, yRef)).toBeLessThan(1e-4);
          expect(maxAbsDiff(dx, dxRef)).toBeLessThan(1e-4);
          expect(maxAbsDiff(dw, dwRef)).toBeLessThan(1e-4);
          tf.dispose([x, w, dy, y, yRef, dx, dw, dxRef, dwRef]);
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }
  }

  it('rejects channel counts that do not split into the groups', () => {
    const x = tf.zeros([1, 4, 4, 6]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 1, 6]) as tf.Tensor4D;
    expect(() => groupedConv2d(x, w, { stride: 1, pad: 1, groups: 4 })).toThrow(/groups/);
    tf.dispose([x, w]);
  });

  it('picks our kernels on webgpu and wasm unless stock (then split, and fused on wasm for its memory), split on cpu/webgl and unknown ones', () => {
    for (const b of ['cpu', 'webgl']) {
      expect(GROUPED_CONV_STRATEGY[b]).toBe('split');
    }
    expect(defaultGroupedConvStrategy('somethingelse')).toBe('split');
    expect(defaultGroupedConvStrategy()).toBe('split');
    expect(defaultGroupedConvStrategy('webgpu', 'cardinal')).toBe('kernel');
    expect(defaultGroupedConvStrategy('webgpu', 'stock')).toBe('split');
    expect(defaultGroupedConvStrategy('wasm', 'cardinal')).toBe('kernel');
    expect(defaultGroupedConvStrategy('wasm', 'stock')).toBe('fused');
  });

  it("falls back to TF.js's ops where our kernels do not run (a model built on wasm, run on cpu)", async () => {
    const x = tf.randomNormal([1, 4, 4, 4]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 1, 4]) as tf.Tensor4D;
    const opts = { stride: 1, pad: 1, groups: 4 };
    const ours = groupedConv2d(x, w, { ...opts, strategy: 'kernel' });
    const split = groupedConv2d(x, w, { ...opts, strategy: 'split' });
    expect(Array.from(await ours.data())).toEqual(Array.from(await split.data()));
    tf.dispose([x, w, ours, split]);
  });
});

describe('padding parity with PyTorch', () => {
  /** PyTorch's conv2d written out: zero padding on all four sides, floor output size. */
  function torchConvByHand(
    x: Float32Array,
    [h, wd, inC]: number[],
    w: Float32Array,
    [kh, kw, outC]: number[],
    stride: number,
    pad: number,
  ): { out: Float32Array; shape: number[] } {
    const ho = Math.floor((h + 2 * pad - kh) / stride) + 1;
    const wo = Math.floor((wd + 2 * pad - kw) / stride) + 1;
    const out = new Float32Array(ho * wo * outC);
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < outC; o++) {
          let s = 0;
          for (let a = 0; a < kh; a++)
            for (let b = 0; b < kw; b++) {
              const r = i * stride + a - pad;
              const c = j * stride + b - pad;
              if (r < 0 || r >= h || c < 0 || c >= wd) continue;
              for (let q = 0; q < inC; q++)
                s += x[(r * wd + c) * inC + q] * w[((a * kw + b) * inC + q) * outC + o];
            }
          out[(i * wo + j) * outC + o] = s;
        }
    return { out, shape: [1, ho, wo, outC] };
  }

  for (const [k, stride, pad, size] of [
    [3, 2, 1, 8],
    [3, 1, 1, 8],
    [7, 2, 3, 8],
    [7, 2, 3, 9],
    [1, 2, 0, 8],
  ]) {
    it(`${k}×${k} stride ${stride} pad ${pad} on ${size}×${size} equals PyTorch by hand`, () => {
      const x = randn([1, size, size, 3], 4);
      const w = randn([k, k, 3, 2], 5);
      const want = torchConvByHand(
        x.dataSync() as Float32Array,
        [size, size, 3],
        w.dataSync() as Float32Array,
        [k, k, 2],
        stride,
        pad,
      );
      const y = groupedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, { stride, pad, groups: 1 });
      expect(y.shape).toEqual(want.shape);
      const got = y.dataSync();
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want.out[i], 4);
      tf.dispose([x, w, y]);
    });
  }

  it("TF's own 'same' differs on a stride-2 3×3 conv of an 8×8 input (why we pad explicitly)", () => {
    const x = randn([1, 8, 8, 3], 4) as tf.Tensor4D;
    const w = randn([3, 3, 3, 2], 5) as tf.Tensor4D;
    const ours = groupedConv2d(x, w, { stride: 2, pad: 1, groups: 1 });
    const same = tf.conv2d(x, w, 2, 'same');
    expect(same.shape).toEqual(ours.shape);
    expect(maxAbsDiff(ours, same)).toBeGreaterThan(1e-2);
    tf.dispose([x, w, ours, same]);
  });
});
