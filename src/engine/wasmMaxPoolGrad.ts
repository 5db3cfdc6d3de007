// MaxPoolGrad for the WASM backend of TF.js 4.22, replacing the backend's own, which is wrong:
// in a window whose inputs are all negative it sends the gradient to the wrong position (its
// running maximum does not start at −∞, by the look of it; measured: a
// [2,4,4,3] input shifted by −5 gives errors of ~1 against the reference; inputs with positive
// maxima come out exact). Cardinal's CIFAR-100 net ends with no ReLU and a 4×4 max-pool head,
// so many of its windows are all negative: its one-step gradients were up to 35% off PyTorch's
// in layer4 (trainParity.test.ts). A max-pool stem after a ReLU never sees this.
//
// PyTorch's rule: each output's gradient goes to the first largest input of its window in
// row-major order (a NaN counts as largest); padding never wins.

import * as tf from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './wasmReductions';

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export const maxPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const heap = backend as unknown as WasmHeapBackend;
  // Allocate first: a heap growth would detach views taken before it.
  const out = heap.makeOutput(input.shape, 'float32');
  const dx = heap.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const x = heap.typedArrayFromHeap(input) as Float32Array;
  const g = heap.typedArrayFromHeap(dy) as Float32Array;
  maxPoolGradInto(x, g, dx, info);
  return out;
};

/** dx += each dy at its window's argmax (NHWC, dilation 1); exported for the test. */
export function maxPoolGradInto(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * channels;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - padInfo.top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - padInfo.left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + filterWidth);
        const outRow = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let y = yStart; y < yEnd && !Number.isNaN(best); y++) {
            for (let xx = xStart; xx < xEnd; xx++) {
              const i = image + (y * inWidth + xx) * channels + c;
              const v = x[i];
              if (v > best || Number.isNaN(v)) {
                best = v;
                at = i;
                if (Number.isNaN(v)) break;
              }
            }
          }
          if (at >= 0) dx[at] += dy[outRow + c];
        }
      }
    }
  }
}
