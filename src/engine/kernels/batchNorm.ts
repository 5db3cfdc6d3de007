// Batch norm in training as ONE custom op (tf.customGrad), optionally ending a block: the
// shortcut's addition and the ReLU ride in the normalisation's elementwise pass, and the
// backward is PyTorch's closed form:
//   x̂ = (x − μ)/√(σ²+ε), y = γ·x̂ + β (+ r) (then ReLU), g = dy (· [y > 0] with the ReLU)
//   dβ = Σg, dγ = Σg·x̂, dx = γ/√(σ²+ε) · (g − dβ/n − x̂·dγ/n), dr = g   (Σ over N·H·W)
// On WebGPU: two dispatches forward (statistics, apply), two backward (dγ and dβ in one
// reduction, dx and the shortcut's gradient in one pass; batchNorm*Webgpu.ts). On WASM the
// same four kernels as loops over the heap (batchNormWasm.ts). Elsewhere (cpu, webgl) the same
// formulas from the backend's ops, broadcasting [C] against NHWC, so no backend ever tiles a
// full-size tensor. TF.js's stock gradient takes ~10 ops and a Tile.
//
// The batch statistics come back for the caller's running-statistics update (batchNorm.ts's
// deferred queue): packed [2, C] (mean; biased variance) on WebGPU and WASM, two [C] tensors
// elsewhere.

import * as tf from '@tensorflow/tfjs';
import {
  BN_FOLD_RUNNING,
  BN_GRAD_INPUT,
  BN_GRAD_SUMS,
  registerBatchNormBackwardWebgpu,
} from './batchNormBackwardWebgpu';
import { BN_APPLY, BN_STATS, registerBatchNormForwardWebgpu } from './batchNormWebgpu';
import './batchNormWasm';
import { KERNEL_BACKENDS } from './index';
import { onWebgpu } from './lib/webgpuKernel';

export type BatchStats = { packed: tf.Tensor2D } | { mean: tf.Tensor1D; variance: tf.Tensor1D };

export interface BlockEnd {
  /** Added after the affine transform (the block's shortcut), before the ReLU. */
  residual?: tf.Tensor4D;
  /** Apply a ReLU last. */
  relu?: boolean;
}

/**
 * Normalises x [N, H, W, C] with its batch statistics, scales and shifts, then the block end.
 * The statistics returned are tf.keep()'d: the caller owns them (and disposes them).
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  end: BlockEnd = {},
): { y: tf.Tensor4D; stats: BatchStats } {
  if (onWebgpu()) registerWebgpuKernels();
  const relu = Boolean(end.relu);
  let stats: BatchStats | undefined;
  const op = hasKernels()
    ? kernelOp(eps, relu, (s) => (stats = s))
    : composedOp(eps, relu, (s) => (stats = s));
  const y = end.residual ? op(x, gamma, beta, end.residual) : op(x, gamma, beta);
  return { y: y as tf.Tensor4D, stats: stats! };
}

function registerWebgpuKernels(): void {
  registerBatchNormForwardWebgpu();
  registerBatchNormBackwardWebgpu();
}

type Op = (...inputs: tf.Tensor[]) => tf.Tensor;
type Saved = (s: BatchStats) => void;

const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
const runMany = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as unknown as tf.Tensor[];

/** Whether the current backend has the five kernels: WebGPU's WGSL, or WASM's (batchNormWasm.ts). */
function hasKernels(): boolean {
  return KERNEL_BACKENDS.includes(tf.getBackend());
}

function kernelOp(eps: number, relu: boolean, statsOut: Saved): Op {
  return tf.customGrad((...args: unknown[]) => {
    const [x, gamma, beta, residual] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const stats = run(BN_STATS, { x });
    const inputs: tf.NamedTensorMap = { x, stats, gamma, beta };
    if (args.length === 5) inputs.residual = residual;
    const y = run(BN_APPLY, inputs, { eps, relu });
    save([x, stats, gamma, y]);
    statsOut({ packed: tf.keep(stats) as tf.Tensor2D });
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sStats, sGamma, sy] = saved;
        const masked: tf.NamedTensorMap = relu ? { y: sy } : {};
        const attrs = { eps, relu, residual: args.length === 5 };
        const sums = { dy, x: sx, stats: sStats, gamma: sGamma, ...masked };
        const [dGamma, dBeta, coef] = runMany(BN_GRAD_SUMS, sums, attrs);
        const [dx, dr] = runMany(BN_GRAD_INPUT, { dy, x: sx, coef, ...masked }, attrs);
        coef.dispose();
        const grads = [dx, dGamma, dBeta];
        // Without a ReLU the shortcut's gradient is dy itself.
        if (args.length === 5) grads.push(relu ? dr : dy);
        if (args.length === 5 && !relu) dr.dispose();
        return grads;
      },
    };
  }) as unknown as Op;
}

function composedOp(eps: number, relu: boolean, statsOut: Saved): Op {
  return tf.customGrad((...args: unknown[]) => {
    const [x, gamma, beta, residual] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const axes = [0, 1, 2];
    const mean = tf.mean(x, axes);
    const variance = tf.mean(tf.square(tf.sub(x, mean)), axes);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    // PyTorch's CPU order of rounding: y = x·α + β' with α = γ/σ and β' = β − μ·α per channel,
    // two full-size roundings. (x − μ)/σ·γ + β took four, and a pre-ReLU value a few ulps from
    // 0 then came out with the other sign: one flipped element moved a batch-norm bias
    // gradient by 2.8e-3 of its largest value (trainParity.test.ts, quick on resnet8).
    const alpha = tf.mul(invStd, gamma);
    const shift = tf.sub(beta, tf.mul(mean, alpha));
    let y = tf.add(tf.mul(x, alpha), shift);
    if (args.length === 5) y = tf.add(y, residual);
    if (relu) y = tf.relu(y);
    save([x, mean, invStd, gamma, y]);
    statsOut({ mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D });
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sMean, sInvStd, sGamma, sy] = saved;
        const g = relu ? tf.mul(dy, tf.step(sy)) : dy;
        const n = sx.size / sGamma.shape[0];
        const xHat = tf.mul(tf.sub(sx, sMean), sInvStd);
        const dBeta = tf.sum(g, axes);
        const dGamma = tf.sum(tf.mul(g, xHat), axes);
        // dx = a·g + b·x̂ + c with a = γ/σ, b = −a·dγ/n, c = −a·dβ/n: four full-size ops.
        const a = tf.mul(sGamma, sInvStd);
        const b = tf.mul(a, tf.div(dGamma, -n));
        const c = tf.mul(a, tf.div(dBeta, -n));
        const dx = tf.add(tf.add(tf.mul(g, a), tf.mul(xHat, b)), c);
        const grads = [dx, dGamma, dBeta];
        if (args.length === 5) grads.push(g);
        return grads;
      },
    };
  }) as unknown as Op;
}

/**
 * Both running buffers ← buffer·(1 − momentum) + stat·momentum, the variance's stat × unbiasing
 * (n/(n − 1)), from packed statistics (row 0 mean, row 1 biased variance): one dispatch.
 */
export function foldRunningStats(
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  packed: tf.Tensor2D,
  unbiasing: number,
  momentum: number,
): [tf.Tensor1D, tf.Tensor1D] {
  registerWebgpuKernels();
  const inputs = { runningMean, runningVar, stats: packed };
  const [mean, variance] = runMany(BN_FOLD_RUNNING, inputs, { unbiasing, momentum });
  return [mean as tf.Tensor1D, variance as tf.Tensor1D];
}
