// Sum and Mean for the WASM backend that add in float64, as PyTorch's float32 sums are
// accurate to a few ulps (cascade summation) and TF.js's WASM ones are not.
//
// Why (found by the training-parity test, scripts/trainParity.test.ts): the backend's Sum and
// Mean add a float32 accumulator element after element. Over a batch-norm reduction (N·H·W =
// 32,768 values per channel at batch 32 on CIFAR) that loses ~6e-6 of the sum's size, and the
// batch-norm gradient reduces terms that nearly cancel (Σ dy, Σ dy·x̂), so the bias gradients
// were off by up to ~1e-3 relative after one step. Over 50 SGD steps ResNet-8's loss then
// drifted 5% from PyTorch's replay of the very same batches. With float64 accumulation both
// agree to float32 rounding.
//
// Reads the input straight from the WASM heap and writes the output there (no extra kernels),
// for any reduction over one contiguous run of axes (the only kind the engine makes: batch norm
// over N, H, W; the head's mean over H, W; the loss's means); other axes, and non-float32
// dtypes, go to the backend's own kernel.
import * as tf from '@tensorflow/tfjs';

/** The parts of the WASM backend a kernel uses to read and write tensors in its heap. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/**
 * The input viewed as [outer, reduce, inner] for a reduction over `axes`, or null when the
 * axes are not one contiguous run.
 */
export function reductionLayout(shape: readonly number[], axes: readonly number[]) {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (last - first + 1 !== sorted.length) return null;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return {
    outer: size(0, first),
    reduce: size(first, last + 1),
    inner: size(last + 1, shape.length),
    axes: sorted,
  };
}

/** Σ over the middle axis of x viewed as [outer, reduce, inner], accumulated in float64. */
export function sumFloat64(
  x: ArrayLike<number>,
  outer: number,
  reduce: number,
  inner: number,
  out: Float32Array,
  divisor = 1,
): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let base = o * reduce * inner;
    for (let r = 0; r < reduce; r++, base += inner) {
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i] / divisor;
  }
}

/** Sum ('sum') or Mean ('mean') in float64, falling back to `original` where it does not apply. */
export function float64Reduction(original: tf.KernelFunc, kind: 'sum' | 'mean'): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const layout =
      x.dtype === 'float32'
        ? reductionLayout(x.shape, tf.util.parseAxisParam(axis, x.shape))
        : null;
    if (!layout || layout.reduce === 0) return original(args);
    const backend = args.backend as unknown as WasmHeapBackend;
    const outShape = keepDims
      ? x.shape.map((d, i) => (layout.axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !layout.axes.includes(i));
    // Allocate first: a heap growth would detach views taken before it.
    const out = backend.makeOutput(outShape, 'float32');
    const values = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(out) as Float32Array;
    const divisor = kind === 'mean' ? layout.reduce : 1;
    sumFloat64(values, layout.outer, layout.reduce, layout.inner, target, divisor);
    return out;
  };
}
