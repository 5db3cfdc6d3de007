import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { correctTop1, correctTopK, crossEntropy, isFiniteLoss } from './loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LOGITS = [
  [1, 2, 3],
  [1, 1, 1],
];
const LABELS = [2, 0];

// log-softmax by hand: x − log Σ exp x.
const logp = LOGITS.map((row) => {
  const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  return row.map((v) => v - lse);
});
const nll = (-logp[0][2] - logp[1][0]) / 2; // ≈ 0.7531091
// PyTorch: (1 − ε)·mean NLL + (ε/C)·mean over rows of −Σ_c log p_c.
const smoothed = (eps: number) =>
  (1 - eps) * nll +
  ((eps / 3) * logp.reduce((s, row) => s - row.reduce((a, b) => a + b, 0), 0)) / 2;

describe('crossEntropy', () => {
  it('matches the hand-computed mean NLL without smoothing', () => {
    const loss = crossEntropy(tf.tensor2d(LOGITS), tf.tensor1d(LABELS, 'int32'));
    expect(nll).toBeCloseTo(0.7531091, 6);
    expect(loss.dataSync()[0]).toBeCloseTo(nll, 6);
  });

  it('matches CrossEntropyLoss(label_smoothing=0.1) and its gradient (softmax − q)/N', () => {
    const x = tf.tensor2d(LOGITS);
    const y = tf.tensor1d(LABELS, 'int32');
    expect(crossEntropy(x, y, 0.1).dataSync()[0]).toBeCloseTo(smoothed(0.1), 6);
    expect(smoothed(0.1)).toBeCloseTo(0.8031091, 6);
    const grad = tf.grad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, y, 0.1))(x);
    const expected = logp.flatMap((row, i) =>
      row.map((lp, c) => (Math.exp(lp) - (0.9 * (c === LABELS[i] ? 1 : 0) + 0.1 / 3)) / 2),
    );
    const got = grad.dataSync();
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 6));
  });

  it('leaks nothing and rejects float or mismatched labels', () => {
    const x = tf.tensor2d(LOGITS);
    const y = tf.tensor1d(LABELS, 'int32');
    const before = tf.memory().numTensors;
    crossEntropy(x, y, 0.1).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => crossEntropy(x, tf.tensor1d([2, 0]))).toThrow(/int32/);
    expect(() => crossEntropy(x, tf.tensor1d([2], 'int32'))).toThrow(/labels/);
  });
});

describe('accuracy counts', () => {
  const x = () =>
    tf.tensor2d([
      [1, 2, 3],
      [1, 1, 1],
      [5, 0, 1],
    ]);
  const y = () => tf.tensor1d([2, 0, 1], 'int32');

  it('top-1 counts arg-max hits (first index on ties, as torch.argmax)', () => {
    const c = correctTop1(x(), y());
    expect(c.dtype).toBe('int32');
    expect(c.dataSync()[0]).toBe(2);
  });

  it('top-k counts labels among the k largest', () => {
    expect(correctTopK(x(), y(), 1).dataSync()[0]).toBe(2);
    expect(correctTopK(x(), y(), 2).dataSync()[0]).toBe(2); // row 3: top-2 is {0, 2}
    expect(correctTopK(x(), y(), 3).dataSync()[0]).toBe(3);
    expect(correctTopK(x(), y(), 5).dataSync()[0]).toBe(3); // k is capped at C
  });

  it('isFiniteLoss', () => {
    expect(isFiniteLoss(2.3)).toBe(true);
    expect(isFiniteLoss(NaN)).toBe(false);
    expect(isFiniteLoss(Infinity)).toBe(false);
    expect(isFiniteLoss(-Infinity)).toBe(false);
  });
});
