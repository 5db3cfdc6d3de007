// Convolution on the WASM backend with Cardinal's own programs (lib/wasmConvPrograms.ts): the
// forward conv, its input gradient and its filter gradient, for any number of groups, under
// the kernel names the WebGPU kernels use, so kernelConv.ts's custom gradient runs on both.
//
// Why: TF.js's WASM conv is XNNPACK built for 128-bit SIMD without fused multiply-add, and
// TF.js has no grouped conv and no conv gradients there that are not forward convs in disguise
// (wasmKernels.ts). Profiled in the page on ResNet-20 at batch 32 (npm run bench -- --profile):
// 551 of 813 ms were Conv2D at 14 GFLOP/s. Our programs are generated per shape at run time,
// import TF.js's heap as their memory (tensors are read and written in place) and use
// f32x4.relaxed_madd where the browser has relaxed SIMD (Chrome 114+), which V8 lowers to an
// FMA instruction: the same convs ran at 30–44 GFLOP/s in Chromium 156 on this machine.
//
// Shapes our programs do not tile (a group with output channels not a multiple of 4) fall back
// to TF.js's ops, per group, inside the kernel.

import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../wasmKernels';
import { CONV_FILTER_GRAD } from './convFilterGrad';
import { GROUPED_CONV_FORWARD, type ConvAttrs } from './groupedConvForward';
import { GROUPED_CONV_INPUT_GRAD } from './groupedConvInput';
import { assemble, FunctionBuilder } from './lib/wasmAssembler';
import { addressOf, heapMemory, program, type WasmBackend } from './lib/wasmHeap';
import { runSplit, threadsFor } from './lib/wasmThreads';
import {
  filterGradProgram,
  forwardProgram,
  lanesFor,
  type ConvShape,
} from './lib/wasmConvPrograms';

type Shape4 = [number, number, number, number];
type KernelArgs = Parameters<tf.KernelFunc>[0];

let relaxedSimd: boolean | undefined;
/** Whether this engine validates f32x4.relaxed_madd (Chrome 114+, Node 22+). */
export function hasRelaxedSimd(): boolean {
  if (relaxedSimd === undefined) {
    const f = new FunctionBuilder('probe', ['v128']).fma(true, 0, 0, 0);
    relaxedSimd = WebAssembly.validate(assemble([f], { shared: false, maximumPages: 1 }));
  }
  return relaxedSimd;
}

/** Whether programs use relaxed SIMD: hasRelaxedSimd(), unless a test asks for the other. */
let fuse: boolean | undefined;
export function setFusedMultiplyAdd(on: boolean | undefined): void {
  fuse = on;
}

/** The forward or filter-gradient program for `shape`, compiled against the heap. */
function convProgram(backend: WasmBackend, kind: 'forward' | 'filterGrad', shape: ConvShape) {
  const fused = fuse ?? hasRelaxedSimd();
  const build = kind === 'forward' ? forwardProgram : filterGradProgram;
  return program(backend, `conv ${kind} fused=${fused} ${JSON.stringify(shape)}`, () =>
    build(shape, fused),
  );
}

/** Output size of PyTorch's conv: floor((in + 2·pad − k) / s) + 1. */
function outSize(input: number, k: number, stride: number, pad: number): number {
  return Math.floor((input + 2 * pad - k) / stride) + 1;
}

/**
 * A scratch copy of an NHWC tensor in the heap with pixel (h, w) at (top + h·s, left + w·s) of a
 * zeroed [n, height, width, c] buffer; pixels that land outside are dropped. Padding is s = 1;
 * the input gradient's spread-out dy is s = stride. Free with backend.wasm._free.
 */
function spread(
  backend: WasmBackend,
  src: tf.TensorInfo,
  s: number,
  top: number,
  left: number,
  height: number,
  width: number,
): number {
  const [n, h, w, c] = src.shape as Shape4;
  const ptr = backend.wasm._malloc(n * height * width * c * 4);
  // Views after the malloc: a heap growth detaches earlier ones.
  const heap = backend.wasm.HEAPF32;
  const from = addressOf(backend, src) / 4;
  const to = ptr / 4;
  heap.fill(0, to, to + n * height * width * c);
  const w0 = Math.max(0, Math.ceil(-left / s));
  const w1 = Math.min(w, Math.floor((width - 1 - left) / s) + 1);
  if (w1 <= w0) return ptr;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const row = top + y * s;
      if (row < 0 || row >= height) continue;
      const srcRow = from + (b * h + y) * w * c;
      const dstRow = to + ((b * height + row) * width + left) * c;
      if (s === 1) {
        heap.copyWithin(dstRow + w0 * c, srcRow + w0 * c, srcRow + w1 * c);
        continue;
      }
      for (let x = w0; x < w1; x++) {
        heap.copyWithin(dstRow + x * s * c, srcRow + x * c, srcRow + (x + 1) * c);
      }
    }
  }
  return ptr;
}

/**
 * The input as the programs read it, padded so that every window lies inside, and the conv's
 * shape as they see it (filter [kh, kw, ci/g, co]).
 */
function paddedInput(backend: WasmBackend, x: tf.TensorInfo, filter: Shape4, attrs: ConvAttrs) {
  const [n, h, w, c] = x.shape as Shape4;
  const [kh, kw, , outC] = filter;
  const { stride, pad, groups } = attrs;
  const outH = outSize(h, kh, stride, pad);
  const outW = outSize(w, kw, stride, pad);
  // Rows and columns the windows span; the rest is never read.
  const height = (outH - 1) * stride + kh;
  const width = (outW - 1) * stride + kw;
  // Without padding x is read in place, with its own row length.
  const inPlace = pad === 0 && height <= h && width <= w;
  const shape: ConvShape = {
    batch: n,
    inHeight: inPlace ? h : height,
    inWidth: inPlace ? w : width,
    inChannels: c,
    outHeight: outH,
    outWidth: outW,
    outChannels: outC,
    filterHeight: kh,
    filterWidth: kw,
    stride,
    groups,
  };
  const ptr = inPlace ? addressOf(backend, x) : spread(backend, x, 1, pad, pad, height, width);
  return { ptr, owned: !inPlace, shape };
}

function forwardKernel({ inputs, backend, attrs }: KernelArgs) {
  const { x, w } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs;
  const heap = backend as unknown as WasmBackend;
  const outC = w.shape[3];
  if (!lanesFor(outC / a.groups)) return fallbackForward(x, w, a);
  const input = paddedInput(heap, x, w.shape as Shape4, a);
  const { batch, outHeight, outWidth } = input.shape;
  const out = heap.makeOutput([batch, outHeight, outWidth, outC], 'float32');
  try {
    const run = convProgram(heap, 'forward', input.shape);
    const at = addressOf(heap, out);
    runSplit(heapMemory(heap), run, input.ptr, addressOf(heap, w), () => at, batch);
  } finally {
    if (input.owned) heap.wasm._free(input.ptr);
  }
  return out;
}

/**
 * dx = a stride-1 forward conv of dy spread out by the stride (dy[oh] at row oh·s + k − 1 − pad
 * of a zeroed buffer k − 1 rows taller than x) with the filter flipped in space and its channel
 * axes swapped within each group: wt[i, j, co, g·ci/g + ci] = w[k − 1 − i, k − 1 − j, ci, g·co/g + co].
 */
function inputGradKernel({ inputs, backend, attrs }: KernelArgs) {
  const { dy, w } = inputs as { dy: tf.TensorInfo; w: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs & { xShape: Shape4 };
  const heap = backend as unknown as WasmBackend;
  const [n, h, wid, inC] = a.xShape;
  const [kh, kw, ciPerGroup, outC] = w.shape as Shape4;
  const coPerGroup = outC / a.groups;
  if (!lanesFor(ciPerGroup)) return fallbackInputGrad(dy, w, a);
  const height = h + kh - 1;
  const width = wid + kw - 1;
  const out = heap.makeOutput(a.xShape, 'float32');
  const source = spread(heap, dy, a.stride, kh - 1 - a.pad, kw - 1 - a.pad, height, width);
  const flipped = heap.wasm._malloc(kh * kw * coPerGroup * inC * 4);
  try {
    const f32 = heap.wasm.HEAPF32;
    const wAt = addressOf(heap, w) / 4;
    const tAt = flipped / 4;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let g = 0; g < a.groups; g++) {
          for (let ci = 0; ci < ciPerGroup; ci++) {
            const from = wAt + (((kh - 1 - i) * kw + (kw - 1 - j)) * ciPerGroup + ci) * outC;
            for (let co = 0; co < coPerGroup; co++) {
              const to = tAt + ((i * kw + j) * coPerGroup + co) * inC + g * ciPerGroup + ci;
              f32[to] = f32[from + g * coPerGroup + co];
            }
          }
        }
      }
    }
    const shape: ConvShape = {
      batch: n,
      inHeight: height,
      inWidth: width,
      inChannels: outC,
      outHeight: h,
      outWidth: wid,
      outChannels: inC,
      filterHeight: kh,
      filterWidth: kw,
      stride: 1,
      groups: a.groups,
    };
    const at = addressOf(heap, out);
    runSplit(heapMemory(heap), convProgram(heap, 'forward', shape), source, flipped, () => at, n);
  } finally {
    heap.wasm._free(source);
    heap.wasm._free(flipped);
  }
  return out;
}

function filterGradKernel({ inputs, backend, attrs }: KernelArgs) {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs & { wShape: Shape4 };
  const heap = backend as unknown as WasmBackend;
  if (!lanesFor(a.wShape[3] / a.groups)) return fallbackFilterGrad(x, dy, a);
  const input = paddedInput(heap, x, a.wShape, a);
  const out = heap.makeOutput(a.wShape, 'float32');
  const size = tf.util.sizeFromShape(a.wShape);
  const memory = heapMemory(heap);
  // Every thread sums its images into its own dw; the extra ones are added in at the end.
  const threads = threadsFor(memory, input.shape.batch);
  const partials = Array.from({ length: threads - 1 }, () => heap.wasm._malloc(size * 4));
  try {
    const dws = [addressOf(heap, out), ...partials];
    const f32 = heap.wasm.HEAPF32;
    for (const at of dws) f32.fill(0, at / 4, at / 4 + size);
    const run = convProgram(heap, 'filterGrad', input.shape);
    runSplit(memory, run, input.ptr, addressOf(heap, dy), (t) => dws[t], input.shape.batch);
    const dw = heap.wasm.HEAPF32.subarray(dws[0] / 4, dws[0] / 4 + size);
    for (const at of partials) {
      const part = heap.wasm.HEAPF32.subarray(at / 4, at / 4 + size);
      for (let i = 0; i < size; i++) dw[i] += part[i];
    }
  } finally {
    if (input.owned) heap.wasm._free(input.ptr);
    for (const at of partials) heap.wasm._free(at);
  }
  return out;
}

// Fallbacks: TF.js ops per group (kernels may run ops; nothing is recorded while they do).

function asTensor(info: tf.TensorInfo): tf.Tensor4D {
  return (
    info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)
  ) as tf.Tensor4D;
}

function info(xShape: Shape4, wShape: Shape4, a: ConvAttrs) {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    wShape,
    a.stride,
    1,
    [
      [0, 0],
      [a.pad, a.pad],
      [a.pad, a.pad],
      [0, 0],
    ],
    undefined,
    false,
    'channelsLast',
  );
}

function fallbackForward(x: tf.TensorInfo, w: tf.TensorInfo, a: ConvAttrs) {
  return tf.tidy(() => {
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [a.pad, a.pad],
      [a.pad, a.pad],
      [0, 0],
    ];
    const xs = tf.split<tf.Tensor4D>(asTensor(x), a.groups, 3);
    const ws = tf.split<tf.Tensor4D>(asTensor(w), a.groups, 3);
    return tf.concat(
      xs.map((xg, g) => tf.conv2d(xg, ws[g], a.stride, pads)),
      3,
    );
  });
}

function fallbackInputGrad(dy: tf.TensorInfo, w: tf.TensorInfo, a: ConvAttrs & { xShape: Shape4 }) {
  return tf.tidy(() => {
    const dys = tf.split<tf.Tensor4D>(asTensor(dy), a.groups, 3);
    const ws = tf.split<tf.Tensor4D>(asTensor(w), a.groups, 3);
    const [n, h, wid, c] = a.xShape;
    const xShape: Shape4 = [n, h, wid, c / a.groups];
    return tf.concat(
      dys.map((g, i) => conv2dBackpropInput(g, ws[i], info(xShape, ws[i].shape, a))),
      3,
    );
  });
}

function fallbackFilterGrad(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  a: ConvAttrs & { wShape: Shape4 },
) {
  return tf.tidy(() => {
    const xs = tf.split<tf.Tensor4D>(asTensor(x), a.groups, 3);
    const dys = tf.split<tf.Tensor4D>(asTensor(dy), a.groups, 3);
    const [kh, kw, ci, co] = a.wShape;
    const wShape: Shape4 = [kh, kw, ci, co / a.groups];
    return tf.concat(
      xs.map((xg, i) => conv2dBackpropFilter(xg, dys[i], info(xg.shape, wShape, a))),
      3,
    );
  });
}

for (const [kernelName, kernelFunc] of [
  [GROUPED_CONV_FORWARD, forwardKernel],
  [GROUPED_CONV_INPUT_GRAD, inputGradKernel],
  [CONV_FILTER_GRAD, filterGradKernel],
] as const) {
  if (!tf.getKernel(kernelName, 'wasm')) {
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
}
