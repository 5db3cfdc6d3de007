// Fuzzed conv shapes and a cpu-backend reference for the WebGPU conv kernels' tests.
//
// The issue asks for groups 1…64, channels per group 1…128, odd spatial sizes, strides 1 and
// 2, batch 1…32, kernels 1×1, 3×3, 7×7 and padding 0–3. The cpu backend is plain JavaScript
// and SwiftShader a CPU too, so each run draws a few shapes from a fixed seed and shrinks the
// largest axes until the conv is small enough to check in seconds; the edges of each range
// (64 groups, 128 channels per group, batch 32) are kept in the draw, on small images.

import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../../spec/random';
import { expect } from 'vitest';
import { groupedConv2d } from '../../groupedConv';
import { kernelConv2d } from '../kernelConv';
import { convGeometry, type ConvGeometry } from './convProgram';

export interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  pad: number;
  groups: number;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));

/** Multiply-adds above which a drawn case is shrunk (spatial size, then batch, then channels). */
const MAX_MACS = 1.5e6;

export const macsOf = (g: ConvGeometry) =>
  g.batch * g.outH * g.outW * g.outC * g.kh * g.kw * g.inPerGroup;

/**
 * Groups whose channels do not come in fours, so each kernel's block is wider than a vec4 or
 * odd (convProgram.ts blockFor): 14 → 7 (ResNeXt C = 8 at d = 14), 10 → 5, 6, 3 and a prime 13 → 1.
 */
export const WIDE_BLOCK_CASES: ConvCase[] = [
  { x: [2, 8, 8, 112], w: [3, 3, 14, 112], stride: 2, pad: 1, groups: 8 },
  { x: [2, 5, 5, 40], w: [3, 3, 10, 40], stride: 1, pad: 1, groups: 4 },
  { x: [3, 6, 6, 12], w: [3, 3, 6, 12], stride: 1, pad: 1, groups: 2 },
  { x: [2, 5, 5, 9], w: [1, 1, 3, 9], stride: 1, pad: 0, groups: 3 },
  { x: [2, 5, 5, 26], w: [3, 3, 13, 26], stride: 2, pad: 1, groups: 2 },
];

/** `count` conv cases from `seed`; the first few pin the extremes of each range. */
export function drawConvCases(seed: number, count: number): ConvCase[] {
  const rng = createRng(seed);
  const pinned: Partial<Record<'groups' | 'perGroup' | 'batch', number>>[] = [
    { groups: 64 },
    { perGroup: 128 },
    { batch: 32 },
  ];
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const pin = pinned[i] ?? {};
    const groups = pin.groups ?? pick(rng, [1, 2, 3, 4, 8, 16, 32, 64]);
    let inPerGroup = pin.perGroup ?? pick(rng, [1, 2, 3, 4, 5, 8, 16, 24, 64, 128]);
    let outPerGroup = pick(rng, [1, 2, 3, 4, 8, 12, 16, 32]);
    const k = pick(rng, [1, 3, 3, 7]);
    const stride = between(rng, 1, 2);
    const pad = between(rng, 0, Math.min(3, k));
    let batch = pin.batch ?? between(rng, 1, 32);
    let size = 2 * between(rng, Math.ceil(k / 2), 6) + 1; // odd, ≥ k
    const geometry = () =>
      convGeometry(
        [batch, size, size, inPerGroup * groups],
        [k, k, inPerGroup, outPerGroup * groups],
        stride,
        pad,
        groups,
      );
    while (macsOf(geometry()) > MAX_MACS) {
      if (size > k + 2 && size > 3) size -= 2;
      else if (batch > 1 && !pin.batch) batch = Math.ceil(batch / 2);
      else if (outPerGroup > 1) outPerGroup = Math.ceil(outPerGroup / 2);
      else if (inPerGroup > 1 && !pin.perGroup) inPerGroup = Math.ceil(inPerGroup / 2);
      else break;
    }
    const g = geometry();
    cases.push({
      x: [batch, size, size, g.inC],
      w: [k, k, inPerGroup, g.outC],
      stride,
      pad,
      groups,
    });
  }
  return cases;
}

export const describeCase = (c: ConvCase) =>
  `x ${c.x.join('×')} w ${c.w.join('×')} s${c.stride} p${c.pad} g${c.groups}`;

/** Values in [−1, 1) from a seed: inputs, filters and upstream gradients of a case. */
export function uniformValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => 2 * rng.next() - 1);
}

export interface ConvData {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

export function caseData(c: ConvCase, seed: number): ConvData {
  const g = convGeometry(c.x, c.w, c.stride, c.pad, c.groups);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return {
    x: uniformValues(size(c.x), seed),
    w: uniformValues(size(c.w), seed + 1),
    dy: uniformValues(g.batch * g.outH * g.outW * g.outC, seed + 2),
  };
}

export interface ConvResults {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

/**
 * y, dx and dw of the case on TF.js's cpu backend (split + concat, TF.js's own gradients),
 * then back to the backend that was current. dx and dw are the gradients of Σ y·dy.
 */
export async function cpuReference(c: ConvCase, data: ConvData): Promise<ConvResults> {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return await convResults(c, data, (x, w) =>
      groupedConv2d(x, w, { stride: c.stride, pad: c.pad, groups: c.groups, strategy: 'split' }),
    );
  } finally {
    await tf.setBackend(previous);
  }
}

/** y, dx and dw of `conv` on the current backend, read back. */
export async function convResults(
  c: ConvCase,
  data: ConvData,
  conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
): Promise<ConvResults> {
  const x = tf.tensor4d(data.x, c.x);
  const w = tf.tensor4d(data.w, c.w);
  const y = conv(x, w);
  const dy = tf.tensor4d(data.dy, y.shape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)),
  )([x, w]);
  const [yv, dxv, dwv] = await Promise.all([y.data(), dx.data(), dw.data()]);
  tf.dispose([x, w, y, dy, dx, dw]);
  return { y: yv as Float32Array, dx: dxv as Float32Array, dw: dwv as Float32Array };
}

/**
 * The largest difference relative to the reference's scale: max|a − b| / max(1, max|b|).
 * Sums of up to 7·7·128 products of values in [−1, 1) reach tens; 1e-4 of that scale is what
 * float32 accumulation in a different order can honestly promise.
 */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/**
 * y, dx and dw of our conv kernels (kernelConv2d, on the current backend) against the cpu
 * backend's split convs, each within `tolerance` of the reference's scale.
 */
export async function expectOursMatchCpu(c: ConvCase, seed: number, tolerance: number) {
  const data = caseData(c, seed);
  const expected = await cpuReference(c, data);
  const actual = await convResults(c, data, (x, w) => kernelConv2d(x, w, c));
  expect(relativeError(actual.y, expected.y)).toBeLessThan(tolerance);
  expect(relativeError(actual.dx, expected.dx)).toBeLessThan(tolerance);
  expect(relativeError(actual.dw, expected.dw)).toBeLessThan(tolerance);
}
