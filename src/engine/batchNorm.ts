// nn.BatchNorm2d with PyTorch's semantics on NHWC tensors: eps 1e-5, momentum 0.1; training
// normalises with the batch's biased variance and moves running_var towards the UNBIASED one
// (× n/(n−1), n = N·H·W); eval normalises with the running statistics.
//
// How running statistics are updated — deferred, not assigned during the forward pass:
// a training forward runs inside the loss function that tf.variableGrads / optimizer.minimize
// records on its tape, and inside their tidy. Assigning there would put the update's ops on
// the tape (harmless for the gradient, but recorded) and would write running stats even for
// a step the caller then throws away (a NaN loss, a cancelled run). So the forward only
// tf.keep()s each layer's batch mean and variance (two [C] tensors, which survive the tidy)
// and queues them; applyBatchNormUpdates() — called by the train step after the gradient
// step, outside any tape — folds them into the running buffers in order and disposes them;
// discardBatchNormUpdates() drops them. Applying a queue of k forwards in order gives exactly
// what PyTorch's k in-place updates give.

import * as tf from '@tensorflow/tfjs';
import type { KernelMode } from './kernels';
import { batchNormTraining, foldRunningStats, type BlockEnd } from './kernels/batchNorm';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** One BatchNorm2d layer's variables; the names in the model's maps are torchvision's. */
export interface BatchNormLayer {
  /** Trainable, [C]: PyTorch's `weight`. */
  gamma: tf.Variable;
  /** Trainable, [C]: PyTorch's `bias`. */
  beta: tf.Variable;
  /** Not trainable, [C]. */
  runningMean: tf.Variable;
  /** Not trainable, [C]. */
  runningVar: tf.Variable;
  /** Not trainable, int32 scalar (PyTorch keeps it as int64). */
  numBatchesTracked: tf.Variable;
}

/** A batch's statistics waiting to be folded into a layer's running buffers. */
export type PendingBatchNormUpdate = {
  layer: BatchNormLayer;
  /** Values per channel, N·H·W: turns the biased variance into the unbiased one. */
  count: number;
} & (
  | {
      mean: tf.Tensor1D;
      /** Biased (÷ n) batch variance, as used to normalise. */
      variance: tf.Tensor1D;
    }
  /** Our WebGPU kernels' [2, C]: the mean, then the biased variance (kernels/batchNorm.ts). */
  | { packed: tf.Tensor2D }
);

/** How a batch norm is computed and what of its block's end it takes on. */
export interface BatchNormOptions extends BlockEnd {
  /**
   * 'cardinal': in training, our one-op batch norm with its closed-form backward and the
   * block end fused in (kernels/batchNorm.ts); 'stock' (default): TF.js's ops, then the
   * addition and the ReLU as separate ops.
   */
  kernels?: KernelMode;
}

/** Creates a layer as PyTorch initialises it: weight 1, bias 0, running mean 0, var 1. */
export function createBatchNorm(channels: number, namePrefix: string): BatchNormLayer {
  // tidy disposes the initial tensors (a variable keeps its own reference to the data).
  const v = (init: () => tf.Tensor, trainable: boolean, name: string) =>
    tf.tidy(() => tf.variable(init(), trainable, `${namePrefix}.${name}`));
  return {
    gamma: v(() => tf.ones([channels]), true, 'weight'),
    beta: v(() => tf.zeros([channels]), true, 'bias'),
    runningMean: v(() => tf.zeros([channels]), false, 'running_mean'),
    runningVar: v(() => tf.ones([channels]), false, 'running_var'),
    numBatchesTracked: v(() => tf.scalar(0, 'int32'), false, 'num_batches_tracked'),
  };
}

/**
 * Normalises x [N, H, W, C], then adds options.residual and applies a ReLU if asked. In
 * training, pushes this batch's statistics onto `pending` (see the file comment); eval mode
 * reads the running buffers and queues nothing.
 */
export function batchNorm(
  x: tf.Tensor4D,
  layer: BatchNormLayer,
  training: boolean,
  pending: PendingBatchNormUpdate[],
  options: BatchNormOptions = {},
): tf.Tensor4D {
  const { kernels = 'stock', ...end } = options;
  if (training && kernels === 'cardinal') {
    const count = x.shape[0] * x.shape[1] * x.shape[2];
    if (count < 2) throw new Error('batch norm in training needs more than one value per channel');
    const { gamma, beta } = layer;
    const out = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, BN_EPS, end);
    pending.push({ layer, count, ...out.stats });
    return out.y;
  }
  const y = plainBatchNorm(x, layer, training, pending);
  const added: tf.Tensor4D = end.residual ? tf.add(y, end.residual) : y;
  return end.relu ? tf.relu(added) : added;
}

function plainBatchNorm(
  x: tf.Tensor4D,
  layer: BatchNormLayer,
  training: boolean,
  pending: PendingBatchNormUpdate[],
): tf.Tensor4D {
  if (!training) {
    return tf.batchNorm4d(
      x,
      layer.runningMean as tf.Tensor1D,
      layer.runningVar as tf.Tensor1D,
      layer.beta as tf.Tensor1D,
      layer.gamma as tf.Tensor1D,
      BN_EPS,
    );
  }
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) {
    // PyTorch refuses too: the unbiased variance of one value is undefined.
    throw new Error('batch norm in training needs more than one value per channel');
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  // tf.batchNorm's gradient includes the paths through mean and variance, so this is the
  // full batch-norm backward pass.
  const y = tf.batchNorm4d(
    x,
    mean as tf.Tensor1D,
    variance as tf.Tensor1D,
    layer.beta as tf.Tensor1D,
    layer.gamma as tf.Tensor1D,
    BN_EPS,
  );
  pending.push({
    layer,
    mean: tf.keep(mean) as tf.Tensor1D,
    variance: tf.keep(variance) as tf.Tensor1D,
    count,
  });
  return y;
}

/** Folds queued statistics into the running buffers, oldest first, and empties the queue. */
export function applyBatchNormUpdates(
  pending: PendingBatchNormUpdate[],
  momentum: number = BN_MOMENTUM,
): void {
  for (const u of pending.splice(0)) {
    tf.tidy(() => {
      const { runningMean, runningVar, numBatchesTracked } = u.layer;
      const unbiasing = u.count / (u.count - 1);
      if ('packed' in u) {
        // One dispatch for both buffers on WebGPU, the same arithmetic as below.
        const m = runningMean as tf.Tensor1D;
        const v = runningVar as tf.Tensor1D;
        const [mean, variance] = foldRunningStats(m, v, u.packed, unbiasing, momentum);
        runningMean.assign(mean);
        runningVar.assign(variance);
      } else {
        const unbiased = tf.mul(u.variance, unbiasing);
        runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(u.mean, momentum)));
        runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
      }
      numBatchesTracked.assign(tf.add(numBatchesTracked, tf.scalar(1, 'int32')));
    });
    disposeStats(u);
  }
}

function disposeStats(u: PendingBatchNormUpdate): void {
  if ('packed' in u) u.packed.dispose();
  else tf.dispose([u.mean, u.variance]);
}

/** Drops queued statistics without touching the running buffers. */
export function discardBatchNormUpdates(pending: PendingBatchNormUpdate[]): void {
  for (const u of pending.splice(0)) disposeStats(u);
}

export function disposeBatchNorm(layer: BatchNormLayer): void {
  tf.dispose([
    layer.gamma,
    layer.beta,
    layer.runningMean,
    layer.runningVar,
    layer.numBatchesTracked,
  ]);
}
