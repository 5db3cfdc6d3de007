// Batch norm in training on WebGPU: five WGSL kernels, each one dispatch (batchNorm.ts puts
// them together as one custom op). Tensors are NHWC, seen here as [rows, C] with rows = N·H·W.
//
//   CardinalBnStats      x → [2, C]: batch mean and biased variance, one reduction pass
//   CardinalBnApply      x, stats, γ, β (, residual) → (x − μ)·γ/√(σ²+ε) + β (+ r) (, ReLU)
//   CardinalBnGradSums   dy, x, stats (, y) → [2, C]: Σg and Σg·x̂, g = dy (masked by y > 0)
//   CardinalBnGradInput  dy, x, stats, γ, sums (, y) → dx, the closed form in one pass
//   CardinalBnFoldRunning running, stats → PyTorch's running-statistics update of one buffer
//   CardinalReluMask     dy, y → dy where y > 0: the shortcut's gradient behind a fused ReLU
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
} from './webgpuKernel';

export const BN_STATS = 'CardinalBnStats';
export const BN_APPLY = 'CardinalBnApply';
export const BN_GRAD_SUMS = 'CardinalBnGradSums';
export const BN_GRAD_INPUT = 'CardinalBnGradInput';
export const BN_FOLD_RUNNING = 'CardinalBnFoldRunning';
export const RELU_MASK = 'CardinalReluMask';

const channelsOf = (t: tf.TensorInfo) => t.shape[t.shape.length - 1];
const rowsOf = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1) / channelsOf(t);

/** g: the gradient reaching the normalised value, masked by the fused ReLU where there is one. */
const gradAt = (relu: boolean) => (relu ? 'select(0.0, dy[i], y[i] > 0.0)' : 'dy[i]');

export function registerBatchNormWebgpu(): void {
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
          let scale = gamma[c] * inverseSqrt(stats[C + c] + uniforms.eps);
          var v = (x[i] - stats[c]) * scale + beta[c];
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

  registerWebgpuKernel(BN_GRAD_SUMS, (inputs, backend, attrs) => {
    const { dy, x, stats, y } = inputs;
    const relu = Boolean(attrs.relu);
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
        let mean = stats[c];
        var a = 0.0;
        var b = 0.0;
        for (var r = t; r < rows; r = r + ${threads}) {
          let i = r * C + c;
          let g = ${gradAt(relu)};
          a = a + g;
          b = b + g * (x[i] - mean);
        }
        s1[t] = a;
        s2[t] = b;
        ${workgroupSum(['s1', 's2'], threads)}
        if (t == 0) {
          result[c] = s1[0];
          result[C + c] = s2[0] * inverseSqrt(stats[C + c] + uniforms.eps);
        }
      }`;
    const program = perChannelProgram(
      `cardinalBnGradSums_${relu ? 'relu' : ''}`,
      ['dy', 'x', 'stats', ...(relu ? ['y'] : [])],
      [2, channels],
      channels,
      threads,
      code,
      'channels : i32, rows : i32, eps : f32,',
    );
    return runProgram(
      backend,
      program,
      [dy, x, stats, ...(relu ? [y] : [])],
      [
        { type: 'int32', data: [channels] },
        { type: 'int32', data: [rows] },
        { type: 'float', data: [attrs.eps as number] },
      ],
    );
  });

  registerWebgpuKernel(BN_GRAD_INPUT, (inputs, backend, attrs) => {
    const { dy, x, stats, gamma, sums, y } = inputs;
    const relu = Boolean(attrs.relu);
    // dx = γ/√(σ²+ε) · (g − Σg/n − x̂·Σg·x̂/n): PyTorch's batch_norm_backward, training mode.
    const code = `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let i = index;
          let C = uniforms.channels;
          let c = i % C;
          let invStd = inverseSqrt(stats[C + c] + uniforms.eps);
          let xHat = (x[i] - stats[c]) * invStd;
          let g = ${gradAt(relu)};
          result[i] = gamma[c] * invStd *
              (g - sums[c] * uniforms.invRows - xHat * sums[C + c] * uniforms.invRows);
        }
      }`;
    const program = elementwiseProgram(
      `cardinalBnGradInput_${relu ? 'relu' : ''}`,
      ['dy', 'x', 'stats', 'gamma', 'sums', ...(relu ? ['y'] : [])],
      x.shape,
      code,
      'channels : i32, eps : f32, invRows : f32,',
    );
    return runProgram(
      backend,
      program,
      [dy, x, stats, gamma, sums, ...(relu ? [y] : [])],
      [
        { type: 'int32', data: [channelsOf(x)] },
        { type: 'float', data: [attrs.eps as number] },
        { type: 'float', data: [1 / rowsOf(x)] },
      ],
    );
  });

  registerWebgpuKernel(BN_FOLD_RUNNING, (inputs, backend, attrs) => {
    const { running, stats } = inputs;
    // running·(1 − m) + (stat·factor)·m, in the order batchNorm.ts's composed update uses;
    // factor n/(n−1) turns the biased variance into the unbiased one.
    const code = `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let stat = stats[uniforms.row * uniforms.size + index] * uniforms.factor;
          result[index] = running[index] * (1.0 - uniforms.momentum) + stat * uniforms.momentum;
        }
      }`;
    const program = elementwiseProgram(
      'cardinalBnFoldRunning',
      ['running', 'stats'],
      running.shape,
      code,
      'row : i32, factor : f32, momentum : f32,',
    );
    return runProgram(
      backend,
      program,
      [running, stats],
      [
        { type: 'int32', data: [attrs.row as number] },
        { type: 'float', data: [attrs.factor as number] },
        { type: 'float', data: [attrs.momentum as number] },
      ],
    );
  });

  registerWebgpuKernel(RELU_MASK, (inputs, backend) => {
    const { dy, y } = inputs;
    const code = `
      fn main(index : i32) {
        if (index < uniforms.size) {
          result[index] = select(0.0, dy[index], y[index] > 0.0);
        }
      }`;
    const program = elementwiseProgram('cardinalReluMask', ['dy', 'y'], y.shape, code);
    return runProgram(backend, program, [dy, y]);
  });
}
