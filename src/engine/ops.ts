// The small parameter-free pieces of a ResNet, each with PyTorch's exact semantics: max-pool
// padding, Dropout2d, the option-A shortcut and the head's flatten order. Everything here is
// built from ops that TF.js can differentiate on every backend (no stridedSlice: it has no
// gradient in TF.js 4.22).

import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../spec/random';
import { kernelConv2dFixedFilter } from './kernels/kernelConv';

/**
 * nn.MaxPool2d(kernel, stride, padding). PyTorch pads with −∞, i.e. padded cells never win.
 * TF.js pooling with a numeric pad skips out-of-range cells (the same thing) and computes the
 * output size as floor((H + 2p − k)/s) + 1, PyTorch's (ceil_mode=False), on every backend.
 */
export function maxPool2d(
  x: tf.Tensor4D,
  kernel: number,
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf.maxPool(x, kernel, stride, pad === 0 ? 'valid' : pad);
}

/**
 * nn.Dropout2d(p) on NHWC in training mode: each (sample, channel) map is zeroed with
 * probability p, the survivors scaled by 1/(1 − p). The mask is drawn from `rng` (so a seed
 * reproduces a run) on the CPU: it holds only N·C numbers. `onMask`, when given, sees the
 * mask as drawn ([N, C] row-major, 0 or the scale), e.g. for a training trace.
 */
export function dropout2d(
  x: tf.Tensor4D,
  p: number,
  rng: Rng,
  onMask?: (mask: Float32Array, images: number, channels: number) => void,
): tf.Tensor4D {
  if (p <= 0) return tf.clone(x);
  const [n, , , c] = x.shape;
  const mask = new Float32Array(n * c);
  if (p < 1) {
    const scale = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : scale;
  }
  onMask?.(mask, n, c);
  return tf.tidy(() => tf.mul(x, tf.tensor4d(mask, [n, 1, 1, c])));
}

/**
 * Option-A shortcut: x[:, :, ::s, ::s] then zero channels, missing//2 before and the rest
 * after (the reference's F.pad(..., (0,0,0,0, m//2, m//2)) for the even counts it uses).
 * Subsampling without stridedSlice: pad H and W up to multiples of s (the padded rows are
 * never picked), view [N·H/s, s, W/s, s·C] and keep the first row and first C columns of every
 * s×s cell. Output size ceil(H/s), as the strided 1×1/3×3 convs of the residual branch.
 */
export function shortcutA(x: tf.Tensor4D, stride: number, outChannels: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const missing = outChannels - c;
  if (missing < 0) {
    throw new Error(`option-A shortcut cannot reduce channels (${c} → ${outChannels})`);
  }
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (stride > 1) {
      const ho = Math.ceil(h / stride);
      const wo = Math.ceil(w / stride);
      if (ho * stride !== h || wo * stride !== w) {
        y = tf.pad(y, [
          [0, 0],
          [0, ho * stride - h],
          [0, wo * stride - w],
          [0, 0],
        ]);
      }
      const cells = tf.reshape(y, [n * ho, stride, wo, stride * c]);
      y = tf.reshape(tf.slice(cells, [0, 0, 0, 0], [n * ho, 1, wo, c]), [n, ho, wo, c]);
    }
    if (missing === 0) return stride > 1 ? y : tf.clone(y);
    const before = Math.floor(missing / 2);
    return tf.pad(y, [
      [0, 0],
      [0, 0],
      [0, 0],
      [before, missing - before],
    ]);
  });
}

/**
 * shortcutA as one 1×1 conv of stride `stride` with a fixed 0/1 filter (input channel c to
 * output channel ⌊missing/2⌋ + c), run by our kernels (kernels/kernelConv.ts). Exact: each
 * output is one input × 1 plus zeros, and so is each input's gradient. Why: on WASM, TF.js's
 * pad, reshape and strided slice (and, backward, their slices and pads) went through its
 * generic Slice, 7–12 ms of a ResNet-20 step at batch 32; the conv costs C × outC MACs a pixel.
 */
export function shortcutAByConv(x: tf.Tensor4D, stride: number, outChannels: number) {
  const c = x.shape[3];
  const missing = outChannels - c;
  if (missing < 0) {
    throw new Error(`option-A shortcut cannot reduce channels (${c} → ${outChannels})`);
  }
  if (missing === 0 && stride === 1) return tf.clone(x);
  const before = Math.floor(missing / 2);
  const select = new Float32Array(c * outChannels);
  for (let i = 0; i < c; i++) select[i * outChannels + before + i] = 1;
  return tf.tidy(() => {
    const w = tf.tensor4d(select, [1, 1, c, outChannels]);
    return kernelConv2dFixedFilter(x, w, { stride, pad: 0, groups: 1 });
  });
}

/**
 * torch.flatten(x, 1) of the NCHW tensor that PyTorch would hold: transpose NHWC → NCHW
 * first, so feature index = c·H·W + h·W + w and fc weights stay PyTorch-compatible when the
 * map is larger than 1×1.
 */
export function flattenTorch(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  if (h === 1 && w === 1) return tf.reshape(x, [n, c]);
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, c * h * w]));
}

/** nn.Linear with the weight kept as [in, out] (TF layout): y = x·W + b. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(x, weight), bias));
}
