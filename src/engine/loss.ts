// The training loss and accuracy counts. Counts stay on the device as tensors so that a
// training step needs no read-back; the caller reads them (ideally with data(), not dataSync())
// when it reports.
import * as tf from '@tensorflow/tfjs';

/**
 * torch.nn.CrossEntropyLoss(label_smoothing=ε), reduction 'mean', no class weights:
 * (1−ε)·mean(−log p[label]) + (ε/C)·mean(−Σ_c log p_c), written as PyTorch combines the two
 * means. logits: [N, C]; labels: int32 [N] in 0…C−1.
 */
export function crossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  labelSmoothing = 0,
): tf.Scalar {
  checkLabels(logits, labels);
  return tf.tidy(() => {
    const [n, c] = logits.shape;
    const logp = tf.logSoftmax(logits);
    // Gather log p[i, label_i] from the flattened matrix: exact, differentiable on every
    // backend, and unlike a one-hot product it cannot turn 0·(−∞) into NaN.
    const flatIndex = tf.range(0, n, 1, 'int32').mul(tf.scalar(c, 'int32')).add(labels);
    const nll = tf
      .gather(logp.reshape([n * c]), flatIndex)
      .neg()
      .mean();
    if (labelSmoothing === 0) return nll as tf.Scalar;
    const smooth = logp.sum(1).neg().mean();
    return nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / c)) as tf.Scalar;
  });
}

/** How many rows have the label as their arg-max (top-1 correct), as an int32 scalar. */
export function correctTop1(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  checkLabels(logits, labels);
  return tf.tidy(() => tf.argMax(logits, 1).toInt().equal(labels).toInt().sum() as tf.Scalar);
}

/**
 * How many rows have the label among their k largest logits (top-5 is CIFAR-100's usual second
 * figure), as an int32 scalar. Ties at the k-th place resolve by tf.topk, i.e. lower index first.
 */
export function correctTopK(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Scalar {
  checkLabels(logits, labels);
  return tf.tidy(() => {
    const { indices } = tf.topk(logits, Math.min(k, logits.shape[1]));
    const hit = indices.equal(labels.expandDims(1)).any(1);
    return hit.toInt().sum() as tf.Scalar;
  });
}

/** false for NaN and ±Infinity: the signal to stop a run that has diverged. */
export function isFiniteLoss(loss: number): boolean {
  return Number.isFinite(loss);
}

/** Throws a clear message for logits that are not [N, C] or labels that do not match them. */
export function checkLabels(logits: tf.Tensor, labels: tf.Tensor) {
  if (logits.rank !== 2) throw new Error(`logits must be [N, C], got [${logits.shape}]`);
  if (labels.rank !== 1 || labels.dtype !== 'int32') {
    throw new Error(`labels must be a 1-D int32 tensor, got ${labels.dtype} [${labels.shape}]`);
  }
  if (labels.shape[0] !== logits.shape[0]) {
    throw new Error(`${logits.shape[0]} rows of logits but ${labels.shape[0]} labels`);
  }
}
