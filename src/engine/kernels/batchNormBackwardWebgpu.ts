// Batch norm in training on WebGPU, backward and running statistics: three dispatches that
// each write several tensors (lib/multiOutput.ts), so nothing is sliced apart afterwards.
//
//   CardinalBnGradSums    dy, x, stats, γ (, y) → dγ = Σg·x̂, dβ = Σg, and dx's per-channel
//                         coefficients [4, C]   (one reduction pass)
//   CardinalBnGradInput   dy, x, coefficients (, y) → dx (, dr = g)   (one pass)
//   CardinalBnFoldRunning running mean, running var, stats → both, updated as PyTorch does
//
// g is dy, masked by y > 0 where the op ends in a ReLU; dr is the shortcut's gradient. With
// A = γ/√(σ²+ε): dx = A·(g − dβ/n − x̂·dγ/n) = A·g + K·(x − μ) + D, K = −A·dγ/(n·√(σ²+ε)),
// D = −A·dβ/n. Handing dx's pass [A, μ, K, D] keeps it within WebGPU's default limit of 8
// storage buffers per dispatch.

import * as tf from '@tensorflow/tfjs';
import { channelsOf, rowsOf } from './batchNormWebgpu';
import { runMultiOutput, workgroupsFor } from './lib/multiOutput';
import { reductionThreads, registerWebgpuKernel } from './lib/webgpuKernel';

export const BN_GRAD_SUMS = 'CardinalBnGradSums';
export const BN_GRAD_INPUT = 'CardinalBnGradInput';
export const BN_FOLD_RUNNING = 'CardinalBnFoldRunning';

const THREADS = 128;

/** WGSL: g at element i. */
const gradAt = (relu: boolean) => (relu ? 'select(0.0, dy[i], y[i] > 0.0)' : 'dy[i]');

export function registerBatchNormBackwardWebgpu(): void {
  registerWebgpuKernel(BN_GRAD_SUMS, (inputs, backend, attrs) => {
    const { dy, x, stats, gamma, y } = inputs;
    const relu = Boolean(attrs.relu);
    const channels = channelsOf(x);
    const rows = rowsOf(x);
    const threads = reductionThreads(rows);
    // One workgroup per channel; partial sums of g and g·(x − μ), then a tree sum.
    const body = `
      var<workgroup> s1 : array<f32, ${threads}>;
      var<workgroup> s2 : array<f32, ${threads}>;
      fn main(index : i32, t : i32, c : i32) {
        let C = u.channels;
        let mean = stats[c];
        var a = 0.0;
        var b = 0.0;
        for (var r = t; r < u.rows; r = r + ${threads}) {
          let i = r * C + c;
          let g = ${gradAt(relu)};
          a = a + g;
          b = b + g * (x[i] - mean);
        }
        s1[t] = a;
        s2[t] = b;
        workgroupBarrier();
        for (var k = ${threads / 2}; k > 0; k = k / 2) {
          if (t < k) {
            s1[t] = s1[t] + s1[t + k];
            s2[t] = s2[t] + s2[t + k];
          }
          workgroupBarrier();
        }
        if (t == 0) {
          let invStd = inverseSqrt(stats[C + c] + u.eps);
          let dB = s1[0];
          let dG = s2[0] * invStd;
          dBeta[c] = dB;
          dGamma[c] = dG;
          let A = gamma[c] * invStd;
          coef[c] = A;
          coef[C + c] = mean;
          coef[2 * C + c] = -A * invStd * dG / f32(u.rows);
          coef[3 * C + c] = -A * dB / f32(u.rows);
        }
      }`;
    return runMultiOutput(backend, {
      key: `${BN_GRAD_SUMS}_${relu}`,
      inputs: relu ? { dy, x, stats, gamma, y } : { dy, x, stats, gamma },
      outputs: {
        dGamma: { shape: [channels] },
        dBeta: { shape: [channels] },
        coef: { shape: [4, channels] },
      },
      uniforms: {
        channels: { type: 'i32', value: channels },
        rows: { type: 'i32', value: rows },
        eps: { type: 'f32', value: attrs.eps as number },
      },
      workgroupSize: threads,
      workgroups: channels,
      body,
    });
  });

  registerWebgpuKernel(BN_GRAD_INPUT, (inputs, backend, attrs) => {
    const { dy, x, coef, y } = inputs;
    const relu = Boolean(attrs.relu);
    const withResidual = Boolean(attrs.residual);
    const size = tf.util.sizeFromShape(x.shape);
    // dx = γ/√(σ²+ε) · (g − dβ/n − x̂·dγ/n): PyTorch's batch_norm_backward, training mode.
    const body = `
      fn main(i : i32, local : i32, group : i32) {
        if (i >= u.size) { return; }
        let C = u.channels;
        let c = i % C;
        let g = ${gradAt(relu)};
        dx[i] = coef[c] * g + coef[2 * C + c] * (x[i] - coef[C + c]) + coef[3 * C + c];
        ${withResidual ? 'dr[i] = g;' : ''}
      }`;
    const shape = x.shape;
    return runMultiOutput(backend, {
      key: `${BN_GRAD_INPUT}_${relu}_${withResidual}`,
      inputs: { dy, x, coef, ...(relu ? { y } : {}) },
      outputs: withResidual ? { dx: { shape }, dr: { shape } } : { dx: { shape } },
      uniforms: {
        size: { type: 'i32', value: size },
        channels: { type: 'i32', value: channelsOf(x) },
      },
      workgroupSize: THREADS,
      workgroups: workgroupsFor(size, THREADS),
      body,
    });
  });

  registerWebgpuKernel(BN_FOLD_RUNNING, (inputs, backend, attrs) => {
    const { runningMean, runningVar, stats } = inputs;
    const channels = runningMean.shape[0];
    // running·(1 − m) + (stat·factor)·m, in the order batchNorm.ts's composed update uses;
    // the factor n/(n − 1) turns the biased variance into the unbiased one.
    const body = `
      fn main(c : i32, local : i32, group : i32) {
        if (c >= u.channels) { return; }
        let m = u.momentum;
        meanOut[c] = runningMean[c] * (1.0 - m) + stats[c] * m;
        varOut[c] = runningVar[c] * (1.0 - m) + (stats[u.channels + c] * u.unbiasing) * m;
      }`;
    return runMultiOutput(backend, {
      key: BN_FOLD_RUNNING,
      inputs: { runningMean, runningVar, stats },
      outputs: { meanOut: { shape: [channels] }, varOut: { shape: [channels] } },
      uniforms: {
        channels: { type: 'i32', value: channels },
        momentum: { type: 'f32', value: attrs.momentum as number },
        unbiasing: { type: 'f32', value: attrs.unbiasing as number },
      },
      workgroupSize: 64,
      workgroups: workgroupsFor(channels, 64),
      body,
    });
  });
}
