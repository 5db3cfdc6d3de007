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
import { CONV_FILTER_GRAD } from './convFilterGrad';
import { GROUPED_CONV_FORWARD, type ConvAttrs } from './groupedConvForward';
import { GROUPED_CONV_INPUT_GRAD } from './groupedConvInput';
import { assemble, FunctionBuilder } from './lib/wasmAssembler';
import { fallbackFilterGrad, fallbackForward, fallbackInputGrad } from './lib/wasmConvFallbacks';
import {
  addressOf,
  heapMemory,
  program,
  registerWasmKernel,
  withScratch,
  type WasmBackend,
} from './lib/wasmHeap';
import { padCopied, padProgram, type PadShape } from './lib/wasmPadProgram';
import { runShares, threadsFor } from './lib/wasmThreads';
import {
  filterGradProgram,
  forwardProgram,
  lanesFor,
  type ConvShape,
} from './lib/wasmConvPrograms';
import { winogradFilterGrad, winogradForward } from './lib/wasmWinogradRun';
import { winogradAlgorithm } from './lib/winograd';

type Shape4 = [number, number, number, number];
type Inputs = Record<string, tf.TensorInfo | undefined>;

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
const fusedMultiplyAdd = () => fuse ?? hasRelaxedSimd();

/**
 * Whether 3×3 stride-1 convs run as Winograd (lib/wasmWinogradPrograms.ts): forward, input
 * and filter gradients. Tests turn it off to compare with the direct programs.
 */
let winograd = true;
export function setWinograd(on: boolean): void {
  winograd = on;
}

/**
 * The largest Winograd output tile. F(4×4, 3×3) made ResNet-20's convs at batch 32 1.6× faster
 * than F(2×2) in the page (119–128 against 190–206 ms a step, 1 thread), but its rounding is
 * far from PyTorch's: in scripts/train.test.ts's lockstep replay (replay.py --noise-floor, 3
 * runs) a batch-norm bias that had barely left 0 came out 1.7e-3 of its size from float64
 * after one step, where PyTorch float32 stays within 1.8e-6 and F(2×2) within 1.0e-6 of
 * float64 on every weight. Other F(4×4) points (±½ for ±2, or 1/f moved out of G) cut its
 * float32 error by 2× at most (numpy, a 16-channel 32×32 conv), so 4 is opt-in.
 */
let largestTile: 2 | 4 = 2;
export function setLargestWinogradTile(tile: 2 | 4): void {
  largestTile = tile;
}
const tiled = (shape: ConvShape): ConvShape =>
  largestTile === 4 ? { ...shape, largestTile: 4 } : shape;

/** Whether a shape already tiled() runs as Winograd now. */
const runsWinograd = (shape: ConvShape) => winograd && winogradAlgorithm(shape) !== null;

/** Whether a conv of `shape` (as the forward program sees it) runs as Winograd now. */
export const usesWinograd = (shape: ConvShape) => runsWinograd(tiled(shape));

/** The forward or filter-gradient program for `shape`, compiled against the heap. */
function convProgram(backend: WasmBackend, kind: 'forward' | 'filterGrad', shape: ConvShape) {
  const fused = fusedMultiplyAdd();
  const build = kind === 'forward' ? forwardProgram : filterGradProgram;
  return program(backend, `conv ${kind} fused=${fused} ${JSON.stringify(shape)}`, () =>
    build(shape, fused),
  );
}

/**
 * out = the forward conv of `shape` (input padded, filter HWIO; byte offsets in the heap) over
 * its images, on the helper threads too: as Winograd F(2×2, 3×3) where it fits, else directly.
 */
function runForward(heap: WasmBackend, direct: ConvShape, x: number, w: number, out: number) {
  const shape = tiled(direct);
  if (runsWinograd(shape)) {
    winogradForward(heap, shape, fusedMultiplyAdd(), x, w, out);
    return;
  }
  const run = convProgram(heap, 'forward', shape);
  runShares(heapMemory(heap), run, shape.batch, () => [x, w, out]);
}

/** Output size of PyTorch's conv: floor((in + 2·pad − k) / s) + 1. */
function outSize(input: number, k: number, stride: number, pad: number): number {
  return Math.floor((input + 2 * pad - k) / stride) + 1;
}

/**
 * A scratch copy of an NHWC tensor in the heap with pixel (h, w) at (top, left) + (h, w) of a
 * zeroed [n, height, width, c] buffer; pixels that land outside are dropped
 * (lib/wasmPadProgram.ts, split over the threads). Free with backend.wasm._free.
 */
function padCopy(
  backend: WasmBackend,
  src: tf.TensorInfo,
  top: number,
  left: number,
  height: number,
  width: number,
): number {
  const [n, h, w, c] = src.shape as Shape4;
  const ptr = backend.wasm._malloc(n * height * width * c * 4);
  const shape: PadShape = {
    height: h,
    width: w,
    channels: c,
    top,
    left,
    outHeight: height,
    outWidth: width,
  };
  const copied = padCopied(shape);
  if (!copied.rows || !copied.columns) {
    backend.wasm.HEAPF32.fill(0, ptr / 4, ptr / 4 + n * height * width * c);
    return ptr;
  }
  const from = addressOf(backend, src);
  const pad = program(backend, `pad ${JSON.stringify(shape)}`, () => padProgram(shape));
  runShares(heapMemory(backend), pad, n, () => [from, ptr]);
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
  const ptr = inPlace ? addressOf(backend, x) : padCopy(backend, x, pad, pad, height, width);
  return { ptr, owned: !inPlace, shape };
}

function forwardKernel(inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap) {
  const { x, w } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs;
  const outC = w.shape[3];
  if (!lanesFor(outC / a.groups)) return fallbackForward(x, w, a);
  const input = paddedInput(heap, x, w.shape as Shape4, a);
  const { batch, outHeight, outWidth } = input.shape;
  const out = heap.makeOutput([batch, outHeight, outWidth, outC], 'float32');
  try {
    runForward(heap, input.shape, input.ptr, addressOf(heap, w), addressOf(heap, out));
  } finally {
    if (input.owned) heap.wasm._free(input.ptr);
  }
  return out;
}

/**
 * The taps of one phase of a strided conv's input gradient along one axis. Input rows
 * i·s + phase are reached from dy rows i + d by the filter rows k with phase + pad − k = d·s;
 * listed by d ascending (k descending), so that the phase is a stride-1 correlation of dy from
 * row dFirst with these taps as its filter. `count` rows of x belong to the phase.
 */
function phaseTaps(phase: number, size: number, k: number, s: number, pad: number) {
  const taps: number[] = [];
  for (let t = k - 1; t >= 0; t--) if ((((phase + pad - t) % s) + s) % s === 0) taps.push(t);
  const dFirst = taps.length ? (phase + pad - taps[0]) / s : 0;
  return { taps, dFirst, count: Math.max(0, Math.ceil((size - phase) / s)) };
}

/**
 * dx = Σ over taps of dy · wᵀ, one phase (row mod s, column mod s) of x at a time: each phase
 * is a stride-1 forward conv of dy (padded once for all phases) with the filter taps that
 * reach it, their channel axes swapped within each group, written to every s-th pixel of every
 * s-th row of dx. With stride 1 there is one phase and it is the full flipped filter. No
 * multiply-add is spent on the zeros a spread-out dy would hold (3 in 4 at stride 2).
 */
function inputGradKernel(inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap) {
  const { dy, w } = inputs as { dy: tf.TensorInfo; w: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs & { xShape: Shape4 };
  const [n, h, wid, inC] = a.xShape;
  const [kh, kw, ciPerGroup, outC] = w.shape as Shape4;
  const [, outH, outW] = dy.shape;
  const coPerGroup = outC / a.groups;
  if (!lanesFor(ciPerGroup)) return fallbackInputGrad(dy, w, a);
  const { stride: s, pad } = a;
  const rows = Array.from({ length: s }, (_, p) => phaseTaps(p, h, kh, s, pad));
  const cols = Array.from({ length: s }, (_, p) => phaseTaps(p, wid, kw, s, pad));
  // One padding of dy that every phase's windows fit in.
  const margin = (axis: typeof rows, size: number) => ({
    before: Math.max(0, ...axis.map((p) => -p.dFirst)),
    after: Math.max(0, ...axis.map((p) => p.dFirst + p.count - 1 + p.taps.length - size)),
  });
  const [mh, mw] = [margin(rows, outH), margin(cols, outW)];
  const height = outH + mh.before + mh.after;
  const width = outW + mw.before + mw.after;
  const out = heap.makeOutput(a.xShape, 'float32');
  const source = padCopy(heap, dy, mh.before, mw.before, height, width);
  const filter = heap.wasm._malloc(kh * kw * coPerGroup * inC * 4);
  try {
    const dx = addressOf(heap, out);
    const phases = rows.flatMap((r, pr) => cols.map((c, pc) => ({ r, c, pr, pc })));
    if (phases.some(({ r, c }) => !r.taps.length || !c.taps.length)) {
      // Pixels no tap reaches (a 1×1 filter at stride 2) have a zero gradient.
      heap.wasm.HEAPF32.fill(0, dx / 4, dx / 4 + tf.util.sizeFromShape(a.xShape));
    }
    for (const { r, c, pr, pc } of phases) {
      if (!r.taps.length || !c.taps.length || !r.count || !c.count) continue;
      const f32 = heap.wasm.HEAPF32;
      const [wAt, tAt] = [addressOf(heap, w) / 4, filter / 4];
      // wt[i, j, co, g·ci/g + ci] = w[r.taps[i], c.taps[j], ci, g·co/g + co]
      r.taps.forEach((ti, i) =>
        c.taps.forEach((tj, j) => {
          for (let g = 0; g < a.groups; g++) {
            for (let ci = 0; ci < ciPerGroup; ci++) {
              const from = wAt + ((ti * kw + tj) * ciPerGroup + ci) * outC + g * coPerGroup;
              const to = tAt + (i * c.taps.length + j) * coPerGroup * inC + g * ciPerGroup + ci;
              for (let co = 0; co < coPerGroup; co++) f32[to + co * inC] = f32[from + co];
            }
          }
        }),
      );
      const shape: ConvShape = {
        batch: n,
        inHeight: height,
        inWidth: width,
        inChannels: outC,
        outHeight: r.count,
        outWidth: c.count,
        outChannels: inC,
        filterHeight: r.taps.length,
        filterWidth: c.taps.length,
        stride: 1,
        groups: a.groups,
        outLayout: { pixel: s, row: s * wid, image: h * wid },
      };
      const first = source + ((mh.before + r.dFirst) * width + mw.before + c.dFirst) * outC * 4;
      const at = dx + (pr * wid + pc) * inC * 4;
      runForward(heap, shape, first, filter, at);
    }
  } finally {
    heap.wasm._free(source);
    heap.wasm._free(filter);
  }
  return out;
}

function filterGradKernel(inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap) {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs & { wShape: Shape4 };
  if (!lanesFor(a.wShape[3] / a.groups)) return fallbackFilterGrad(x, dy, a);
  const input = paddedInput(heap, x, a.wShape, a);
  const out = heap.makeOutput(a.wShape, 'float32');
  const shape = tiled(input.shape);
  const [dy0, dw] = [addressOf(heap, dy), addressOf(heap, out)];
  try {
    if (runsWinograd(shape)) {
      winogradFilterGrad(heap, shape, fusedMultiplyAdd(), input.ptr, dy0, dw);
      return out;
    }
    const run = convProgram(heap, 'filterGrad', shape);
    const size = tf.util.sizeFromShape(a.wShape);
    threadSums(heap, shape.batch, dw, size, (sums) =>
      runShares(heapMemory(heap), run, shape.batch, (t) => [input.ptr, dy0, sums[t]]),
    );
  } finally {
    if (input.owned) heap.wasm._free(input.ptr);
  }
  return out;
}

/**
 * Sums over a batch's images with every thread adding into its own `floats` sums: sums[0] is
 * `first`, the others scratch; all are zeroed, `run` fills them, and the others are added into
 * `first` at the end.
 */
function threadSums(
  heap: WasmBackend,
  batch: number,
  first: number,
  floats: number,
  run: (sums: number[]) => void,
): void {
  const threads = threadsFor(heapMemory(heap), batch);
  withScratch(heap, Array<number>(threads - 1).fill(floats * 4), (partials) => {
    const sums = [first, ...partials];
    for (const at of sums) heap.wasm.HEAPF32.fill(0, at / 4, at / 4 + floats);
    run(sums);
    const total = heap.wasm.HEAPF32.subarray(first / 4, first / 4 + floats);
    for (const at of partials) {
      const part = heap.wasm.HEAPF32.subarray(at / 4, at / 4 + floats);
      for (let i = 0; i < floats; i++) total[i] += part[i];
    }
  });
}

registerWasmKernel(GROUPED_CONV_FORWARD, forwardKernel);
registerWasmKernel(GROUPED_CONV_INPUT_GRAD, inputGradKernel);
registerWasmKernel(CONV_FILTER_GRAD, filterGradKernel);
