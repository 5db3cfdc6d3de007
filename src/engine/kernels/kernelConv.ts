// Convolution with Cardinal's own kernels: the 'kernel' strategy of groupedConv.ts. On WASM
// every conv, dense or grouped, runs our programs (wasmConv.ts). On WebGPU:
//
// Grouped convs (groups > 1) run our forward and input gradient, one dispatch each for any
// number of groups, reading each group's slice in place. Dense convs keep TF.js's forward
// (Conv2DMMProgram, a tiled GEMM) and input gradient unless DENSE_USES_OURS says the bench
// found ours faster. Every conv's filter gradient is ours (split-K implicit GEMM), which keeps
// ≥ 32,768 threads busy where TF.js's launches one per weight.
//
// tf.customGrad ties them together: the forward saves x and w, the gradient function returns
// [dx, dw]. TF.js's own gradients are never asked for, so no split or concat appears anywhere.

import * as tf from '@tensorflow/tfjs';
import { torchPadding } from '../torchPadding';
import { convFilterGrad } from './convFilterGrad';
import { groupedConvForward, type ConvAttrs } from './groupedConvForward';
import { groupedConvInputGrad } from './groupedConvInput';
// Registers the same three kernels for the wasm backend.
import './wasmConv';

/**
 * Whether dense convs (groups = 1) use our forward and input gradient instead of TF.js's.
 * Measured on SwiftShader (2026-12-01, the sweep's C = 1 conv2, 3×3 64→64 on 8×16×16, forward
 * + both gradients, median of 3): TF.js's forward and input gradient with our filter gradient
 * 5.7 s, all three ours 6.0 s, all three TF.js's 12.3 s. Ours is no faster for dense convs, so
 * TF.js's tiled GEMMs stay; re-measure on a real GPU (scripts/gpu) before turning these on.
 */
export const DENSE_USES_OURS = { forward: false, inputGrad: false };

/** Whether a dense conv's forward (or input gradient) runs ours on the current backend. */
function denseUsesOurs(which: keyof typeof DENSE_USES_OURS): boolean {
  // On WASM ours is always faster than XNNPACK's (wasmConv.ts), so there is no switch.
  return tf.getBackend() === 'wasm' || DENSE_USES_OURS[which];
}

type Shape4 = [number, number, number, number];

function forward(x: tf.Tensor4D, w: tf.Tensor4D, attrs: ConvAttrs): tf.Tensor4D {
  if (attrs.groups > 1 || denseUsesOurs('forward')) return groupedConvForward(x, w, attrs);
  return tf.conv2d(x, w, attrs.stride, torchPadding(attrs.pad));
}

function inputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: Shape4, attrs: ConvAttrs) {
  if (attrs.groups > 1 || denseUsesOurs('inputGrad')) {
    return groupedConvInputGrad(dy, w, xShape, attrs);
  }
  return tf.conv2dTranspose(dy, w, xShape, attrs.stride, torchPadding(attrs.pad));
}

/**
 * y = conv(x, w) with PyTorch's stride, padding and groups, differentiable in w, and in x unless
 * `differentiateInput` is false: for the stem's conv on the image, which nothing differentiates. A
 * custom gradient computes every gradient it returns (TF.js's own are lazy), so the image
 * stays out of its inputs and its input gradient, a full-resolution conv, is never run.
 */
export function kernelConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  attrs: ConvAttrs,
  differentiateInput = true,
): tf.Tensor4D {
  if (!differentiateInput) {
    const filterOnly = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [wt, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
      save([wt]);
      return {
        value: forward(x, wt, attrs),
        gradFunc: (dy, saved) => [
          convFilterGrad(x, dy as tf.Tensor4D, saved[0].shape as Shape4, attrs),
        ],
      };
    });
    return filterOnly(w) as tf.Tensor4D;
  }
  // customGrad passes the inputs, then save(); its typing cannot say how many inputs there are.
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xt, wt, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xt, wt]);
    return {
      value: forward(xt, wt, attrs),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        return [inputGrad(dy4, ws, xs.shape, attrs), convFilterGrad(xs, dy4, ws.shape, attrs)];
      },
    };
  });
  return conv(x, w) as tf.Tensor4D;
}

/**
 * y = conv(x, w) differentiable in x only: w is a constant of the op (the option-A shortcut's
 * 0/1 filter, ops.ts shortcutAByConv), so no filter gradient is computed.
 */
export function kernelConv2dFixedFilter(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  attrs: ConvAttrs,
): tf.Tensor4D {
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xt, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    // Saved: the caller's w may be gone by the backward.
    save([w]);
    const xShape = xt.shape;
    return {
      value: forward(xt, w, attrs),
      gradFunc: (dy, saved) => inputGrad(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, xShape, attrs),
    };
  });
  return conv(x) as tf.Tensor4D;
}
