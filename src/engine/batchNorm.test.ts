import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRng, normal } from '../spec/random';
import {
  applyBatchNormUpdates,
  batchNorm,
  BN_EPS,
  createBatchNorm,
  discardBatchNormUpdates,
  disposeBatchNorm,
  type BatchNormLayer,
  type PendingBatchNormUpdate,
} from './batchNorm';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let layers: BatchNormLayer[] = [];
let nextId = 0;
function layer(channels: number): BatchNormLayer {
  const l = createBatchNorm(channels, `bntest${nextId++}`);
  layers.push(l);
  return l;
}
afterEach(() => {
  layers.forEach(disposeBatchNorm);
  layers = [];
});

function randomX(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  // Mean ≈ 3 and std ≈ 2 per channel so the running stats move visibly.
  for (let i = 0; i < v.length; i++) v[i] = 3 + 2 * normal(rng) + (i % shape[3]);
  return tf.tensor4d(v, shape);
}

/** Per-channel mean and biased variance computed in float64 by hand. */
function statsByHand(x: tf.Tensor4D): { mean: number[]; varBiased: number[]; n: number } {
  const c = x.shape[3];
  const v = x.dataSync();
  const n = v.length / c;
  const mean = new Array<number>(c).fill(0);
  const sq = new Array<number>(c).fill(0);
  for (let i = 0; i < v.length; i++) mean[i % c] += v[i] / n;
  for (let i = 0; i < v.length; i++) sq[i % c] += (v[i] - mean[i % c]) ** 2 / n;
  return { mean, varBiased: sq, n };
}

describe('batchNorm', () => {
  it('initialises like PyTorch', () => {
    const l = layer(3);
    expect(Array.from(l.gamma.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(l.beta.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(l.runningMean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(l.runningVar.dataSync())).toEqual([1, 1, 1]);
    expect(l.numBatchesTracked.dtype).toBe('int32');
    expect(l.numBatchesTracked.dataSync()[0]).toBe(0);
    expect(l.gamma.trainable && l.beta.trainable).toBe(true);
    expect(l.runningMean.trainable || l.runningVar.trainable).toBe(false);
  });

  it('training normalises with the biased batch variance, eps 1e-5', () => {
    const l = layer(4);
    l.gamma.assign(tf.tensor1d([1, 2, 0.5, -1]));
    l.beta.assign(tf.tensor1d([0, 1, -1, 0.25]));
    const x = randomX([2, 3, 3, 4], 1);
    const pending: PendingBatchNormUpdate[] = [];
    const y = batchNorm(x, l, true, pending);
    const { mean, varBiased } = statsByHand(x);
    const g = [1, 2, 0.5, -1];
    const b = [0, 1, -1, 0.25];
    const xv = x.dataSync();
    const yv = y.dataSync();
    for (let i = 0; i < xv.length; i++) {
      const c = i % 4;
      const want = ((xv[i] - mean[c]) / Math.sqrt(varBiased[c] + BN_EPS)) * g[c] + b[c];
      expect(yv[i]).toBeCloseTo(want, 4);
    }
    discardBatchNormUpdates(pending);
    tf.dispose([x, y]);
  });

  it('running stats: 0.9·old + 0.1·batch with the unbiased variance, applied only when asked', () => {
    const l = layer(3);
    const x1 = randomX([4, 2, 2, 3], 2);
    const x2 = randomX([2, 3, 3, 3], 3);
    const s1 = statsByHand(x1);
    const s2 = statsByHand(x2);
    const pending: PendingBatchNormUpdate[] = [];
    tf.dispose(batchNorm(x1, l, true, pending));
    // Deferred: nothing moved yet.
    expect(Array.from(l.runningMean.dataSync())).toEqual([0, 0, 0]);
    expect(pending.length).toBe(1);
    applyBatchNormUpdates(pending);
    expect(pending.length).toBe(0);
    const m1 = s1.mean.map((m) => 0.1 * m);
    const v1 = s1.varBiased.map((v) => 0.9 + 0.1 * v * (s1.n / (s1.n - 1)));
    l.runningMean.dataSync().forEach((v, c) => expect(v).toBeCloseTo(m1[c], 5));
    l.runningVar.dataSync().forEach((v, c) => expect(v).toBeCloseTo(v1[c], 4));
    expect(l.numBatchesTracked.dataSync()[0]).toBe(1);

    // Two forwards queued, then applied together, equal two in-place PyTorch updates.
    tf.dispose(batchNorm(x2, l, true, pending));
    tf.dispose(batchNorm(x1, l, true, pending));
    applyBatchNormUpdates(pending);
    const m3 = s1.mean.map((m, c) => 0.9 * (0.9 * m1[c] + 0.1 * s2.mean[c]) + 0.1 * m);
    const v3 = s1.varBiased.map(
      (v, c) =>
        0.9 * (0.9 * v1[c] + 0.1 * s2.varBiased[c] * (s2.n / (s2.n - 1))) +
        0.1 * v * (s1.n / (s1.n - 1)),
    );
    l.runningMean.dataSync().forEach((v, c) => expect(v).toBeCloseTo(m3[c], 4));
    l.runningVar.dataSync().forEach((v, c) => expect(v).toBeCloseTo(v3[c], 4));
    expect(l.numBatchesTracked.dataSync()[0]).toBe(3);
    tf.dispose([x1, x2]);
  });

  it('discarding drops the statistics and leaves the buffers alone', () => {
    const l = layer(3);
    const x = randomX([2, 2, 2, 3], 4);
    const before = tf.memory().numTensors;
    const pending: PendingBatchNormUpdate[] = [];
    tf.dispose(batchNorm(x, l, true, pending));
    discardBatchNormUpdates(pending);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(l.runningVar.dataSync())).toEqual([1, 1, 1]);
    expect(l.numBatchesTracked.dataSync()[0]).toBe(0);
    x.dispose();
  });

  it('eval normalises with the running statistics and queues nothing', () => {
    const l = layer(2);
    l.runningMean.assign(tf.tensor1d([1, -2]));
    l.runningVar.assign(tf.tensor1d([4, 0.25]));
    l.gamma.assign(tf.tensor1d([2, 1]));
    l.beta.assign(tf.tensor1d([0.5, 0]));
    const x = tf.tensor4d([3, 0, 5, -1], [2, 1, 1, 2]);
    const pending: PendingBatchNormUpdate[] = [];
    const y = batchNorm(x, l, false, pending);
    const want = [
      ((3 - 1) / Math.sqrt(4 + BN_EPS)) * 2 + 0.5,
      (0 + 2) / Math.sqrt(0.25 + BN_EPS),
      ((5 - 1) / Math.sqrt(4 + BN_EPS)) * 2 + 0.5,
      (-1 + 2) / Math.sqrt(0.25 + BN_EPS),
    ];
    y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(pending.length).toBe(0);
    tf.dispose([x, y]);
  });

  it('the training backward pass equals autodiff through elementary ops', () => {
    const l = layer(3);
    l.gamma.assign(tf.tensor1d([1.5, -0.5, 2]));
    l.beta.assign(tf.tensor1d([0.1, 0.2, 0.3]));
    const x = randomX([2, 3, 2, 3], 5);
    const dy = randomX([2, 3, 2, 3], 6);
    const pending: PendingBatchNormUpdate[] = [];
    const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const layerView = { ...l, gamma: g, beta: b } as unknown as BatchNormLayer;
      return batchNorm(a as tf.Tensor4D, layerView, true, pending);
    })([x, l.gamma, l.beta], dy);
    const reference = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const mean = tf.mean(a, [0, 1, 2]);
      const centred = tf.sub(a, mean);
      const variance = tf.mean(tf.square(centred), [0, 1, 2]);
      return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, BN_EPS))), g), b);
    })([x, l.gamma, l.beta], dy);
    for (let i = 0; i < 3; i++) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(ours[i], reference[i]))).dataSync()[0]);
      expect(d).toBeLessThan(1e-4);
    }
    discardBatchNormUpdates(pending);
    tf.dispose([x, dy, ...ours, ...reference]);
  });

  it('leaks nothing through a gradient step followed by the update', () => {
    const l = layer(4);
    const x = randomX([2, 3, 3, 4], 7);
    const pending: PendingBatchNormUpdate[] = [];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(batchNorm(x, l, true, pending))),
        [l.gamma, l.beta],
      );
      tf.dispose([value, ...Object.values(grads)]);
      applyBatchNormUpdates(pending);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(l.numBatchesTracked.dataSync()[0]).toBe(3);
    x.dispose();
  });

  it('refuses a single value per channel in training, as PyTorch does', () => {
    const l = layer(2);
    const x = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
    expect(() => batchNorm(x, l, true, [])).toThrow(/more than one value/);
    x.dispose();
  });
});
