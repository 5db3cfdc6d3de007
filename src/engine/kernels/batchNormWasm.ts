// Batch norm in training on the WASM backend: the five kernels batchNormWebgpu.ts and
// batchNormBackwardWebgpu.ts define, same names, inputs, attributes and outputs. The composed
// op they replace took ~25 small TF.js kernels per layer and step (Multiply, Add, Sub, Mean,
// Sum…), each a pass over the tensor and an allocation: ~120 of 390 profiled ms in a ResNet-20
// step at batch 32. Here a layer is 2 passes forward (statistics, apply) and 2 backward (sums,
// dx): WASM SIMD programs (lib/wasmBatchNormPrograms.ts) where the channels come in fours,
// else the same arithmetic as JavaScript loops.
//
// Arithmetic: sums in float64, as PyTorch's CPU kernel accumulates (and wasmReductions.ts
// does for TF.js's Sum and Mean). y = x·α + (β − μ·α) rounds like PyTorch's CPU kernel and
// the WGSL: α and the shift to float32, then a float32 multiply and a float32 add.

import * as tf from '@tensorflow/tfjs';
import { BN_FOLD_RUNNING, BN_GRAD_INPUT, BN_GRAD_SUMS } from './batchNormBackwardWebgpu';
import { BN_APPLY, BN_STATS, channelsOf, rowsOf } from './batchNormWebgpu';
import {
  applyProgram,
  gradInputProgram,
  gradSumsProgram,
  statsProgram,
} from './lib/wasmBatchNormPrograms';
import {
  floatIndex,
  program,
  registerWasmKernel,
  withOutputs,
  type WasmBackend,
} from './lib/wasmHeap';

const f32 = Math.fround;

type Inputs = Record<string, tf.TensorInfo | undefined>;
type Kernel = (inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap) => tf.TensorInfo[];

/** Whether the programs apply: they move four channels at a time. */
const simd = (channels: number) => channels % 4 === 0;

/**
 * x → [2, C]: batch mean and biased variance from float64 sums of x − shift and its square,
 * the shift being the first row (so that a large mean cannot cancel the variance away).
 */
const stats: Kernel = ({ x }, heap) => {
  const C = channelsOf(x!);
  const rows = rowsOf(x!);
  return withOutputs(heap, [[2, C]], 16 * C, ({ outs, scratch, f32: h, f64: sums }) => {
    const xi = floatIndex(heap, x!);
    sums.fill(0);
    if (simd(C)) {
      program(heap, `bn stats ${C}`, () => statsProgram(C)).run(xi * 4, xi * 4, scratch, rows);
    } else {
      for (let i = xi; i < xi + rows * C; i += C) {
        for (let c = 0; c < C; c++) {
          const d = h[i + c] - h[xi + c];
          sums[c] += d;
          sums[C + c] += d * d;
        }
      }
    }
    const o = floatIndex(heap, outs[0]);
    for (let c = 0; c < C; c++) {
      const m = sums[c] / rows;
      h[o + c] = h[xi + c] + m;
      h[o + C + c] = Math.max(sums[C + c] / rows - m * m, 0);
    }
  });
};

/** x, stats, γ, β (, residual) → x·α + (β − μ·α) (+ r) (, ReLU). */
const apply: Kernel = ({ x, stats, gamma, beta, residual }, heap, attrs) => {
  const C = channelsOf(x!);
  const rows = rowsOf(x!);
  const eps = attrs.eps as number;
  const relu = Boolean(attrs.relu);
  return withOutputs(heap, [x!.shape], 8 * C, ({ outs, scratch, f32: h }) => {
    // The table [scale; shift], float32, in the scratch.
    const t = scratch / 4;
    const [s, g, b] = [floatIndex(heap, stats!), floatIndex(heap, gamma!), floatIndex(heap, beta!)];
    for (let c = 0; c < C; c++) {
      h[t + c] = f32(h[g + c] * f32(1 / Math.sqrt(f32(h[s + C + c] + eps))));
      h[t + C + c] = f32(h[b + c] - f32(h[s + c] * h[t + c]));
    }
    const [xi, yi] = [floatIndex(heap, x!), floatIndex(heap, outs[0])];
    const ri = residual ? floatIndex(heap, residual) : 0;
    if (simd(C)) {
      const flags = { channels: C, relu, residual: Boolean(residual) };
      const key = `bn apply ${JSON.stringify(flags)}`;
      program(heap, key, () => applyProgram(flags)).run(xi * 4, scratch, ri * 4, yi * 4, rows);
      return;
    }
    for (let i = 0; i < rows * C; i += C) {
      for (let c = 0; c < C; c++) {
        let v = f32(f32(h[xi + i + c] * h[t + c]) + h[t + C + c]);
        if (residual) v = f32(v + h[ri + i + c]);
        h[yi + i + c] = relu && v <= 0 ? 0 : v;
      }
    }
  });
};

/** g at element i: dy, masked by y > 0 after a ReLU. */
const gradAt = (h: Float32Array, dy: number, y: number, relu: boolean, i: number) =>
  relu && !(h[y + i] > 0) ? 0 : h[dy + i];

/**
 * dy, x, stats, γ (, y) → dγ = Σg·x̂, dβ = Σg and dx's coefficients [A, μ, K, D] as
 * batchNormBackwardWebgpu.ts defines them; g = dy, masked by y > 0 after a ReLU.
 */
const gradSums: Kernel = ({ dy, x, stats, gamma, y }, heap, attrs) => {
  const C = channelsOf(x!);
  const rows = rowsOf(x!);
  const relu = Boolean(attrs.relu);
  const eps = attrs.eps as number;
  // Scratch: float64 sums [Σg; Σg·(x − μ)], then μ as float64.
  return withOutputs(heap, [[C], [C], [4, C]], 24 * C, ({ outs, scratch, f32: h, f64 }) => {
    const [di, xi, si, gi] = [dy!, x!, stats!, gamma!].map((t) => floatIndex(heap, t));
    const yi = relu ? floatIndex(heap, y!) : 0;
    f64.fill(0, 0, 2 * C);
    for (let c = 0; c < C; c++) f64[2 * C + c] = h[si + c];
    if (simd(C)) {
      const flags = { channels: C, relu, residual: false };
      const key = `bn gradSums ${JSON.stringify(flags)}`;
      const mean = scratch + 16 * C;
      program(heap, key, () => gradSumsProgram(flags)).run(
        di * 4,
        xi * 4,
        yi * 4,
        mean,
        scratch,
        rows,
      );
    } else {
      for (let i = 0; i < rows * C; i += C) {
        for (let c = 0; c < C; c++) {
          const g = gradAt(h, di, yi, relu, i + c);
          f64[c] += g;
          f64[C + c] += g * (h[xi + i + c] - f64[2 * C + c]);
        }
      }
    }
    const [dGamma, dBeta, coef] = outs.map((t) => floatIndex(heap, t));
    for (let c = 0; c < C; c++) {
      const invStd = 1 / Math.sqrt(f32(h[si + C + c] + eps));
      const dG = f64[C + c] * invStd;
      const A = h[gi + c] * invStd;
      h[dBeta + c] = f64[c];
      h[dGamma + c] = dG;
      h[coef + c] = A;
      h[coef + C + c] = h[si + c];
      h[coef + 2 * C + c] = (-A * invStd * dG) / rows;
      h[coef + 3 * C + c] = (-A * f64[c]) / rows;
    }
  });
};

/** dy, x, coefficients (, y) → dx = A·g + K·(x − μ) + D (, the shortcut's gradient g). */
const gradInput: Kernel = ({ dy, x, coef, y }, heap, attrs) => {
  const C = channelsOf(x!);
  const rows = rowsOf(x!);
  const relu = Boolean(attrs.relu);
  const residual = Boolean(attrs.residual);
  const shapes = residual ? [x!.shape, x!.shape] : [x!.shape];
  return withOutputs(heap, shapes, 0, ({ outs, f32: h }) => {
    const [di, xi, ki] = [dy!, x!, coef!].map((t) => floatIndex(heap, t));
    const yi = relu ? floatIndex(heap, y!) : 0;
    const [dx, dr] = outs.map((t) => floatIndex(heap, t));
    if (simd(C)) {
      const flags = { channels: C, relu, residual };
      const key = `bn gradInput ${JSON.stringify(flags)}`;
      const args = [di, xi, yi, ki, dx, residual ? dr : 0].map((i) => i * 4);
      program(heap, key, () => gradInputProgram(flags)).run(...args, rows);
      return;
    }
    for (let i = 0; i < rows * C; i += C) {
      for (let c = 0; c < C; c++) {
        const g = gradAt(h, di, yi, relu, i + c);
        const centred = h[xi + i + c] - h[ki + C + c];
        h[dx + i + c] = h[ki + c] * g + h[ki + 2 * C + c] * centred + h[ki + 3 * C + c];
        if (residual) h[dr + i + c] = g;
      }
    }
  });
};

/** Running buffers ← running·(1 − m) + stat·m, the variance's stat × n/(n − 1), in float32. */
const foldRunning: Kernel = ({ runningMean, runningVar, stats }, heap, attrs) => {
  const C = runningMean!.shape[0];
  const m = f32(attrs.momentum as number);
  const keep = f32(1 - (attrs.momentum as number));
  const unbiasing = f32(attrs.unbiasing as number);
  return withOutputs(heap, [[C], [C]], 0, ({ outs, f32: h }) => {
    const [rm, rv, st, mo, vo] = [runningMean!, runningVar!, stats!, ...outs].map((t) =>
      floatIndex(heap, t),
    );
    for (let c = 0; c < C; c++) {
      h[mo + c] = f32(f32(h[rm + c] * keep) + f32(h[st + c] * m));
      h[vo + c] = f32(f32(h[rv + c] * keep) + f32(f32(h[st + C + c] * unbiasing) * m));
    }
  });
};

/** Name, kernel, and whether TF.js gets an array (the WGSL ones are multi-output kernels). */
const KERNELS: [string, Kernel, boolean][] = [
  [BN_STATS, stats, false],
  [BN_APPLY, apply, false],
  [BN_GRAD_SUMS, gradSums, true],
  [BN_GRAD_INPUT, gradInput, true],
  [BN_FOLD_RUNNING, foldRunning, true],
];

for (const [name, kernel, multiOutput] of KERNELS) {
  registerWasmKernel(name, (inputs, heap, attrs) => {
    const outs = kernel(inputs, heap, attrs);
    return multiOutput ? outs : outs[0];
  });
}
