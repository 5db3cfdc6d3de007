// Batch norm in training on WebGPU, forward: two WGSL kernels, each one dispatch (batchNorm.ts puts
// them together as one custom op). Tensors are NHWC, seen here as [rows, C] with rows = N·H·W.
//
//   CardinalBnStats      x → [2, C]: batch mean and biased variance, one reduction pass
//   CardinalBnApply      x, stats, γ, β (, residual) → x·α + (β − μ·α), α = γ/√(σ²+ε) (+ r) (, ReLU)
// The backward and the running-statistics update: batchNormBackwardWebgpu.ts.
//
// The reductions run one workgroup per channel; variance from sums shifted by the channel's
// first value, so that a large mean does not cancel the variance away.

import * as tf from '@tensorflow/tfjs';
import {
  elementwiseProgram,
  perChannelProgram,
  reductionThreads,
  registerWebgpuKernel,
  runProgram,
  workgroupSum,
} from './lib/webgpuKernel';

export const BN_STATS = 'CardinalBnStats';
export const BN_APPLY = 'CardinalBnApply';

export const channelsOf = (t: tf.TensorInfo) => t.shape[t.shape.length - 1];
export const rowsOf = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1) / channelsOf(t);

export function registerBatchNormForwardWebgpu(): void {
  registerWebgpuKernel(BN_STATS, (inputs, backend) => {
    const x = inputs.x;
    const channels = channelsOf(x);
    const rows = rowsOf(x);
    const threads = reductionThreads(rows);
    const code = `
      var<workgroup> s1 : array<f32, ${threads}>;
      var<workgroup> s2 : array<f32, ${threads}>;
      fn main(index : i32) {
        let C = uniforms.channels;
        let rows = uniforms.rows;
        let c = min(index / ${threads}, C - 1);
        let t = i32(localId.x);
        let shift = x[c];
        var a = 0.0;
        var b = 0.0;
        for (var r = t; r < rows; r = r + ${threads}) {
          let d = x[r * C + c] - shift;
          a = a + d;
          b = b + d * d;
        }
        s1[t] = a;
        s2[t] = b;
        ${workgroupSum(['s1', 's2'], threads)}
        if (t == 0) {
          let n = f32(rows);
          let m = s1[0] / n;
          result[c] = shift + m;
          result[C + c] = max(s2[0] / n - m * m, 0.0);
        }
      }`;
    const program = perChannelProgram(
      'cardinalBnStats',
      ['x'],
      [2, channels],
      channels,
      threads,
      code,
      'channels : i32, rows : i32,',
    );
    return runProgram(
      backend,
      program,
      [x],
      [
        { type: 'int32', data: [channels] },
        { type: 'int32', data: [rows] },
      ],
    );
  });

  registerWebgpuKernel(BN_APPLY, (inputs, backend, attrs) => {
    const { x, stats, gamma, beta, residual } = inputs;
    const relu = Boolean(attrs.relu);
    const names = ['x', 'stats', 'gamma', 'beta', ...(residual ? ['res'] : [])];
    const code = `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let i = index;
          let C = uniforms.channels;
          let c = i % C;
          // x·α + (β − μ·α): PyTorch's order of rounding (kernels/batchNorm.ts composedOp)
          let scale = gamma[c] * inverseSqrt(stats[C + c] + uniforms.eps);
          let shift = beta[c] - stats[c] * scale;
          var v = x[i] * scale + shift;
          ${residual ? 'v = v + res[i];' : ''}
          ${relu ? 'v = max(v, 0.0);' : ''}
          result[i] = v;
        }
      }`;
    const program = elementwiseProgram(
      `cardinalBnApply_${residual ? 'r' : ''}${relu ? 'relu' : ''}`,
      names,
      x.shape,
      code,
      'channels : i32, eps : f32,',
    );
    const ins = [x, stats, gamma, beta, ...(residual ? [residual] : [])];
    return runProgram(backend, program, ins, [
      { type: 'int32', data: [channelsOf(x)] },
      { type: 'float', data: [attrs.eps as number] },
    ]);
  });
}
