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
import type { Compiled } from './lib/wasmThreads';

const f32 = Math.fround;

type Inputs = Record<string, tf.TensorInfo | undefined>;
type Kernel = (inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap) => tf.TensorInfo[];

/** Whether the programs apply: they move four channels at a time. */
const simd = (channels: number) => channels % 4 === 0;

/**
 * Runs a summing pass over all of x's rows and returns its `length` float64 sums, which it
 * adds at `at` in the scratch (zeroed first; 8 · length bytes).
 *
 * Batch norm's passes run on the calling thread only. They are memory-bound, and splitting
 * them over the helper threads did not pay: ResNet-20 at batch 32 on 2 threads took 143–220 ms
 * a step that way against 127–177 ms with them here, in five interleaved pairs
 * (`npm run bench -- --preset resnet20 --threads 2 --warmup 14 --steps 10`). Chunks of rows go
 * to whichever thread is free, so each pass's rows were spread over both cores' caches.
 */
function sumOverRows(
  heap: WasmBackend,
  pass: Compiled,
  rows: number,
  length: number,
  args: number[],
  at: number,
): Float64Array {
  const sums = new Float64Array(heap.wasm.HEAPF32.buffer, at, length);
  sums.fill(0);
  pass.run(...args, at, 0, rows);
  return sums.slice();
}

/**
 * x → [2, C]: batch mean and biased variance from float64 sums of x − shift and its square,
 * the shift being the first row (so that a large mean cannot cancel the variance away).
 */
const stats: Kernel = ({ x }, heap) => {
  const C = channelsOf(x!);
  const rows = rowsOf(x!);
  // The sums, float64: [Σ(x − shift); Σ(x − shift)²].
  const scratchBytes = simd(C) ? 16 * C : 0;
  return withOutputs(heap, [[2, C]], scratchBytes, ({ outs, scratch, f32: h }) => {
    const xi = floatIndex(heap, x!);
    let sums: Float64Array;
    if (simd(C)) {
      const pass = program(heap, `bn stats ${C}`, () => statsProgram(C));
      sums = sumOverRows(heap, pass, rows, 2 * C, [xi * 4, xi * 4], scratch);
    } else {
      sums = new Float64Array(2 * C);
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
      const pass = program(heap, key, () => applyProgram(flags));
      pass.run(xi * 4, scratch, ri * 4, yi * 4, 0, rows);
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
  // Scratch, float64: μ, then the sums [Σg; Σg·(x − μ)].
  const scratchBytes = 8 * C + (simd(C) ? 16 * C : 0);
  return withOutputs(heap, [[C], [C], [4, C]], scratchBytes, ({ outs, scratch, f32: h, f64 }) => {
    const [di, xi, si, gi] = [dy!, x!, stats!, gamma!].map((t) => floatIndex(heap, t));
    const yi = relu ? floatIndex(heap, y!) : 0;
    const mean = f64.subarray(0, C);
    for (let c = 0; c < C; c++) mean[c] = h[si + c];
    let sums: Float64Array;
    if (simd(C)) {
      const flags = { channels: C, relu, residual: false };
      const key = `bn gradSums ${JSON.stringify(flags)}`;
      const pass = program(heap, key, () => gradSumsProgram(flags));
      const args = [di * 4, xi * 4, yi * 4, scratch];
      sums = sumOverRows(heap, pass, rows, 2 * C, args, scratch + 8 * C);
    } else {
      sums = new Float64Array(2 * C);
      for (let i = 0; i < rows * C; i += C) {
        for (let c = 0; c < C; c++) {
          const g = gradAt(h, di, yi, relu, i + c);
          sums[c] += g;
          sums[C + c] += g * (h[xi + i + c] - mean[c]);
        }
      }
    }
    const [dGamma, dBeta, coef] = outs.map((t) => floatIndex(heap, t));
    for (let c = 0; c < C; c++) {
      const invStd = 1 / Math.sqrt(f32(h[si + C + c] + eps));
      const dG = sums[C + c] * invStd;
      const A = h[gi + c] * invStd;
      h[dBeta + c] = sums[c];
      h[dGamma + c] = dG;
      h[coef + c] = A;
      h[coef + C + c] = h[si + c];
      h[coef + 2 * C + c] = (-A * invStd * dG) / rows;
      h[coef + 3 * C + c] = (-A * sums[c]) / rows;
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
      const pass = program(heap, key, () => gradInputProgram(flags));
      const args = [di, xi, yi, ki, dx, residual ? dr : 0].map((i) => i * 4);
      pass.run(...args, 0, rows);
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
