// Training kernels for the WASM backend of TF.js 4.22, built from the kernels it has.
//
// Missing there, found by running full train steps of ResNets and ResNeXts (option-A and
// projection shortcuts, max-pool stem, dropout, every augmentation, label smoothing, clipping,
// SGD and AdamW) on wasm — see wasmKernels.test.ts:
// - Conv2DBackpropFilter: the gradient of every conv weight (../shared/DESIGN.md, gotcha 1).
// - UnsortedSegmentSum: the gradient of gather, which our loss uses to pick log-probabilities.
// Present but slow, so replaced (measured on ResNet-20 at batch 32, Node, 2 shared cores; a
// whole train step went from 5.3 s to 0.9 s with all four):
// - Conv2DBackpropInput: the backend's own is a plain C loop, 5–10× slower than its XNNPACK
//   forward conv (80–130 ms against 8–17 ms for the same gradient as a forward conv below).
// - Tile: a generic loop; tf.batchNorm's gradient tiles per-channel vectors to full size.
// Present but not precise enough, so replaced (wasmReductions.ts):
// - Sum and Mean: a float32 accumulator over 32,768 batch-norm values per channel made a
//   50-step ResNet-8 run drift 5% from PyTorch; now they add in float64.
// Present but wrong, so replaced (wasmMaxPoolGrad.ts):
// - MaxPoolGrad: windows whose inputs are all negative send the gradient to the wrong place.
// The depthwise backprops are missing too, but no strategy in groupedConv.ts uses depthwise
// convs, so they are not registered.
//
// Both conv gradients are rewritten as forward Conv2Ds, the backend's fastest kernel. An
// im2col with strided slices + one matMul is also exact, but measured 2–12× slower here (the
// strided slices and a transposed matMul are slow paths in this backend).
//
// The kernels run TF.js ops on the current (wasm) backend. That is allowed inside a kernel:
// the engine records no gradient while a kernel runs (isTapeOn() needs kernelDepth 0) and
// accepts a Tensor as a kernel's output.

import * as tf from '@tensorflow/tfjs';
// The wasm package registers its kernels on import; ours must come after, to replace some.
import '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradKernel } from './wasmMaxPoolGrad';
import { float64Reduction } from './wasmReductions';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Shape4 = [number, number, number, number];
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** The attributes of Conv2DBackpropFilter (filterShape) and Conv2DBackpropInput (inputShape). */
interface BackpropAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: Shape4;
  inputShape?: Shape4;
}

/**
 * A kernel input as a Tensor: kernels may be handed bare TensorInfos (by other kernels), and
 * ops need Tensors. Call inside tf.tidy: the wrapper takes a reference that tidy releases.
 */
function input(inputs: tf.NamedTensorInfoMap, name: string): tf.Tensor {
  const info = inputs[name];
  if (!info) throw new Error(`kernel input "${name}" is missing`);
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * The same shape logic as every backend's kernel: accepts a number, 'valid', 'same' and the
 * explicit [[0,0],[t,b],[l,r],[0,0]] form that groupedConv.ts passes. Dilation is always 1 in
 * these two kernels' attributes (TF.js has no dilated conv gradient).
 */
function convInfo(attrs: BackpropAttrs, xShape: Shape4, filterShape: Shape4): Conv2DInfo {
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`Cardinal's wasm conv gradients support NHWC only, got ${attrs.dataFormat}`);
  }
  const { strides, pad, dimRoundingMode } = attrs;
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Pads axes 1 and 2 of an NHWC tensor by [top, bottom] and [left, right], cropping where an
 * amount is negative: where floor() in the output size leaves trailing rows no window reads,
 * or a 1×1 filter "pads" by −pad.
 */
function padOrCrop(x: tf.Tensor4D, [top, bottom]: number[], [left, right]: number[]) {
  const [n, h, w, c] = x.shape;
  const cut = (v: number) => Math.max(-v, 0);
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const size = [n, h - cut(top) - cut(bottom), w - cut(left) - cut(right), c];
    y = tf.slice(y, [0, cut(top), cut(left), 0], size);
  }
  const keep = (v: number) => Math.max(v, 0);
  const pads: Pad4 = [
    [0, 0],
    [keep(top), keep(bottom)],
    [keep(left), keep(right)],
    [0, 0],
  ];
  return { x: y, pads };
}

/**
 * dw[i, j, ci, co] = Σ over n, oh, ow of xPadded[n, oh·s + i, ow·s + j, ci] · dy[n, oh, ow, co]
 * is a forward conv with the roles swapped: input x as [ci, H, W, n] (channels become the
 * batch, the batch the channels), filter dy as [OH, OW, n, co] dilated by the stride, stride 1;
 * the output [ci, kh, kw, co] is dw up to a transpose.
 */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, info: Conv2DInfo) {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  return tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]);
    const filter = tf.transpose(dy, [1, 2, 0, 3]);
    // The windows span kh + (OH − 1)·s padded rows from the top: pad or crop to exactly that.
    const bottom = kh + (info.outHeight - 1) * sh - top - info.inHeight;
    const right = kw + (info.outWidth - 1) * sw - left - info.inWidth;
    const p = padOrCrop(xt, [top, bottom], [left, right]);
    const dwT = tf.conv2d(p.x, filter, 1, p.pads, 'NHWC', [sh, sw]);
    return tf.transpose(dwT, [1, 2, 0, 3]);
  });
}

/** Inserts s − 1 zero rows (columns) after every row (column) of an NHWC tensor. */
function zeroInsert(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  if (sh > 1) {
    const rows = tf.pad(tf.reshape(y, [n * h, 1, w * c]), [
      [0, 0],
      [0, sh - 1],
      [0, 0],
    ]);
    y = tf.reshape(rows, [n, h * sh, w, c]);
  }
  if (sw > 1) {
    const cols = tf.pad(tf.reshape(y, [n * h * sh * w, 1, c]), [
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    y = tf.reshape(cols, [n, h * sh, w * sw, c]);
  }
  return y;
}

/**
 * dx: the transposed conv, as a stride-1 forward conv of dy (zeros inserted between its pixels
 * for stride s) with the filter flipped in space and its channel axes swapped, padded by
 * k − 1 − pad in front. A 1×1 filter commutes with the zero insertion, so it is applied first,
 * on the smaller tensor.
 */
export function conv2dBackpropInput(dy: tf.Tensor4D, w: tf.Tensor4D, info: Conv2DInfo) {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    const pointwise = kh === 1 && kw === 1;
    const source = pointwise ? tf.conv2d(dy, flipped, 1, 'valid') : dy;
    const spread = zeroInsert(source, sh, sw);
    const bottom = info.inHeight + top - spread.shape[1];
    const right = info.inWidth + left - spread.shape[2];
    const p = padOrCrop(spread, [kh - 1 - top, bottom], [kw - 1 - left, right]);
    if (pointwise) return tf.pad(p.x, p.pads);
    return tf.conv2d(p.x, flipped, 1, p.pads);
  });
}

const backpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as BackpropAttrs;
    const x = input(inputs, 'x') as tf.Tensor4D;
    const info = convInfo(a, x.shape, a.filterShape as Shape4);
    return conv2dBackpropFilter(x, input(inputs, 'dy') as tf.Tensor4D, info);
  });

const backpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as BackpropAttrs;
    const filter = input(inputs, 'filter') as tf.Tensor4D;
    const info = convInfo(a, a.inputShape as Shape4, filter.shape);
    return conv2dBackpropInput(input(inputs, 'dy') as tf.Tensor4D, filter, info);
  });

/**
 * ScatterNd sums the rows that land on the same index — exactly a segment sum, in O(size of
 * x); a one-hot matMul would need ids × numSegments memory (batch × batch·classes in the loss).
 * Negative ids (dropped by TensorFlow) are never produced by gather's gradient.
 */
const unsortedSegmentSumKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { numSegments } = attrs as unknown as { numSegments: number };
  return tf.tidy(() => {
    const x = input(inputs, 'x');
    const ids = input(inputs, 'segmentIds');
    // segmentIds' shape is a prefix of x's: flatten both to rows of the remaining dims.
    const rest = x.shape.slice(ids.rank);
    return tf.scatterND(tf.reshape(ids, [ids.size, 1]), tf.reshape(x, [ids.size, ...rest]), [
      numSegments,
      ...rest,
    ]);
  });
};

/**
 * Tile as a broadcast multiply: the output viewed as [r0, d0, r1, d1, …] is x viewed as
 * [1, d0, 1, d1, …] times ones [r0, 1, r1, 1, …] (axes with r = 1 or d = 1 dropped, to keep
 * the rank low). The backend's Tile is a slow generic loop — 99 ms for the [1,1,1,16] →
 * [32,32,32,16] tile that tf.batchNorm's gradient does for every BN layer, against 2.3 ms
 * here; it was 38% of a ResNet-20 step. Other dtypes (bool, string) go to the original.
 */
function tileKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return original(args);
    const { reps } = args.attrs as unknown as { reps: number[] };
    const inner: number[] = [];
    const outer: number[] = [];
    x.shape.forEach((d, i) => {
      if (reps[i] !== 1) {
        inner.push(1);
        outer.push(reps[i]);
      }
      if (d !== 1 || reps[i] === 1) {
        inner.push(d);
        outer.push(1);
      }
    });
    const shape = x.shape.map((d, i) => d * reps[i]);
    return tf.tidy(() => {
      const spread = tf.mul(tf.reshape(input(args.inputs, 'x'), inner), tf.ones(outer, x.dtype));
      return tf.reshape(spread, shape);
    });
  };
}

/**
 * Identity as the cpu backend has it: the output shares x's data (reference-counted), where
 * TF.js's wasm kernel copies. TF.js tensors are immutable, and the gradient tape saves every
 * op input it will need through Identity (engine.clone): with the copy, a training step on
 * WASM held a second copy of nearly every activation (measured: ResNet-20 bs 32 at 7.0× the
 * estimate before, see memory.ts).
 */
const identityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * What each kernel name gets, given what the backend already has: the missing ones only where
 * still missing (a later TF.js release may bring its own), the slow ones always replaced.
 */
const KERNELS: [string, (existing?: tf.KernelFunc) => tf.KernelFunc | undefined][] = [
  ['Conv2DBackpropFilter', (existing) => (existing ? undefined : backpropFilterKernel)],
  ['UnsortedSegmentSum', (existing) => (existing ? undefined : unsortedSegmentSumKernel)],
  ['Conv2DBackpropInput', () => backpropInputKernel],
  ['Tile', (existing) => existing && tileKernel(existing)],
  ['Sum', (existing) => existing && float64Reduction(existing, 'sum')],
  ['Mean', (existing) => existing && float64Reduction(existing, 'mean')],
  ['Identity', () => identityKernel],
  ['MaxPoolGrad', () => maxPoolGradKernel],
];

const ours = new WeakSet<tf.KernelFunc>();

/**
 * Registers the training kernels with the 'wasm' backend. Idempotent, and safe to call before
 * the backend initialises (kernels are looked up by name when an op runs, and the wasm
 * package's own were registered when this module imported it).
 */
export function registerWasmTrainingKernels(): void {
  for (const [kernelName, make] of KERNELS) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing && ours.has(existing.kernelFunc)) continue;
    const kernelFunc = make(existing?.kernelFunc);
    if (!kernelFunc) continue;
    if (existing) tf.unregisterKernel(kernelName, 'wasm');
    // Keep the replaced kernel's setup: the wasm backend binds its C functions there (at
    // initialisation), and the Tile fallback still calls the original.
    const { setupFunc, disposeFunc } = existing ?? {};
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc, disposeFunc });
    ours.add(kernelFunc);
  }
}
