// 2-D convolution with PyTorch's semantics: symmetric explicit padding and `groups`.
//
// Padding: PyTorch's symmetric padding, always explicit, never TF.js's 'same' (torchPadding.ts).
//
// Groups: TF.js has no grouped convolution. The filter is stored in TF's layout
// [kh, kw, in/groups, out]; output channel o belongs to group floor(o / (out/groups)) and reads
// input channels of that group only — PyTorch's convention, so weights convert by a transpose.
// 'split' and 'masked' build it from ops TF.js can differentiate on every backend; 'kernel' is
// Cardinal's own WebGPU kernels (kernels/kernelConv.ts).

import * as tf from '@tensorflow/tfjs';
import { KERNEL_BACKENDS, kernelMode, type KernelMode } from './kernels';
import { kernelConv2d } from './kernels/kernelConv';
import { holdForBackward, release } from './recompute';
import { torchPadding, type PadArg } from './torchPadding';

export { torchPadding, type PadArg };

/**
 * 'split': split input and filter into `groups` dense convs, concatenate the outputs.
 * 'fused': the same arithmetic as one differentiable op with its gradient in closed form
 *   (per group: the dense conv's input and filter gradients): the gradient tape holds only x,
 *   not the slices, the per-group outputs and the copies the tape saves of each (on WASM,
 *   TF.js's saved tensors are copies), so the group slices live only inside the op.
 * 'masked': one dense conv with a block-diagonal filter (the grouped filter tiled, then masked).
 * 'kernel': Cardinal's own kernels, dense and grouped alike (kernels/kernelConv.ts). On WebGPU:
 * one dispatch per grouped conv and per gradient for any number of groups, and a split-K filter
 * gradient. On WASM: register-tiled programs generated per shape (kernels/wasmConv.ts).
 */
export type GroupedConvStrategy = 'split' | 'fused' | 'masked' | 'kernel';

/**
 * The strategy each backend uses when none is asked for and our kernels are on. Measured
 * (../shared/DESIGN.md, issue 15's sweep): split + concat was fastest of the TF.js-only
 * strategies on every software backend and masked 4–6× slower; on WebGPU our kernels beat
 * split (npm run bench -- --cardinality-sweep --backend webgpu --kernels both).
 */
export const GROUPED_CONV_STRATEGY: Readonly<Record<string, GroupedConvStrategy>> = {
  cpu: 'split',
  // Measured on WASM in Chromium (npm run bench -- --kernels both): ours beat XNNPACK's convs.
  wasm: 'kernel',
  webgl: 'split',
  webgpu: 'kernel',
};

/**
 * With stock kernels: the best of TF.js's own. Measured on WASM (npm run bench -- --memory):
 * the split strategy's tape held ~3× a grouped layer's activations; fused holds x alone.
 */
const STOCK_STRATEGY: Readonly<Record<string, GroupedConvStrategy>> = { wasm: 'fused' };

/** The strategy for `backend`; with stock kernels (kernelMode 'stock') never ours. */
export function defaultGroupedConvStrategy(
  backend: string = tf.getBackend(),
  mode: KernelMode = kernelMode(),
): GroupedConvStrategy {
  const strategy = GROUPED_CONV_STRATEGY[backend] ?? 'split';
  if (strategy === 'kernel' && mode === 'stock') return STOCK_STRATEGY[backend] ?? 'split';
  return strategy;
}

export interface ConvOptions {
  stride: number;
  /** Pixels of zero padding on each of the four sides, as PyTorch's `padding`. */
  pad: number;
  /** PyTorch's `groups`; 1 is a dense conv. */
  groups: number;
  strategy?: GroupedConvStrategy;
  /** false: nothing differentiates x (the image), so its gradient need not be computed. */
  inputGrad?: boolean;
}

/**
 * y = conv2d(x, w) with PyTorch's stride, padding and groups.
 * x: [N, H, W, in]; w: [kh, kw, in/groups, out]. Differentiable in x and w.
 */
export function groupedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: ConvOptions): tf.Tensor4D {
  const { stride, pad, groups } = opts;
  const inC = x.shape[3];
  const [, , inPerGroup, outC] = w.shape;
  if (inC % groups !== 0 || outC % groups !== 0 || inPerGroup * groups !== inC) {
    throw new Error(
      `groupedConv2d: ${inC} input and ${outC} output channels with filter ${w.shape.join('×')} ` +
        `do not split into ${groups} groups`,
    );
  }
  let strategy = opts.strategy ?? defaultGroupedConvStrategy();
  // A model built where our kernels run, used on a backend without them (evaluated on cpu after
  // training on wasm, say): that backend's TF.js-only strategy, the same arithmetic.
  if (strategy === 'kernel' && !KERNEL_BACKENDS.includes(tf.getBackend())) {
    strategy = defaultGroupedConvStrategy(tf.getBackend(), 'stock');
  }
  if (strategy === 'kernel') {
    return kernelConv2d(x, w, { stride, pad, groups }, opts.inputGrad ?? true);
  }
  const padding = torchPadding(pad);
  if (groups === 1) return tf.conv2d(x, w, stride, padding);
  if (strategy === 'masked') return maskedConv(x, w, stride, padding, groups);
  if (strategy === 'fused') return fusedConv(x, w, stride, padding, groups);
  return splitConv(x, w, stride, padding, groups);
}

/** The split convs as one op (see GroupedConvStrategy 'fused'). */
function fusedConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: PadArg,
  groups: number,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, filter] = args as [tf.Tensor4D, tf.Tensor4D];
    const value = splitConv(input, filter, stride, padding, groups);
    return {
      value,
      // x through an alias held until this backward (recompute.ts), w as it is (a variable).
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const saved = held!;
        try {
          return grads(dy as tf.Tensor4D, saved, filter);
        } finally {
          release(saved);
        }
      },
    };
  });
  const grads = (dy: tf.Tensor4D, input: tf.Tensor4D, filter: tf.Tensor4D) =>
    tf.tidy(() => {
      const dys = tf.split<tf.Tensor4D>(dy, groups, 3);
      const xs = tf.split<tf.Tensor4D>(input, groups, 3);
      const ws = tf.split<tf.Tensor4D>(filter, groups, 3);
      const attrs = { strides: stride, pad: padding, dataFormat: 'NHWC' };
      const dx = dys.map((g, i) =>
        tf.engine().runKernel(
          'Conv2DBackpropInput',
          { dy: g, filter: ws[i] },
          {
            ...attrs,
            inputShape: xs[i].shape,
          },
        ),
      ) as tf.Tensor4D[];
      const dw = dys.map((g, i) =>
        tf.engine().runKernel(
          'Conv2DBackpropFilter',
          { x: xs[i], dy: g },
          {
            ...attrs,
            filterShape: ws[i].shape,
          },
        ),
      ) as tf.Tensor4D[];
      return [tf.concat(dx, 3), tf.concat(dw, 3)];
    });
  const held = holdForBackward(x);
  return op(x, w) as tf.Tensor4D;
}

function splitConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: PadArg,
  groups: number,
): tf.Tensor4D {
  // tidy: the slices and per-group outputs are intermediates; autodiff still sees every op.
  return tf.tidy(() => {
    const xs = tf.split<tf.Tensor4D>(x, groups, 3);
    const ws = tf.split<tf.Tensor4D>(w, groups, 3);
    return tf.concat(
      xs.map((xg, g) => tf.conv2d(xg, ws[g], stride, padding)),
      3,
    );
  });
}

function maskedConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: PadArg,
  groups: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, , inPerGroup, outC] = w.shape;
    const inC = inPerGroup * groups;
    const outPerGroup = outC / groups;
    // Tiling puts w[:, :, i, o] at every input row g·inPerGroup + i; the mask keeps the row of
    // o's own group. The gradient of tile sums the (masked) copies back: exactly dw.
    const mask = new Float32Array(inC * outC);
    for (let c = 0; c < inC; c++) {
      const g = Math.floor(c / inPerGroup);
      for (let o = g * outPerGroup; o < (g + 1) * outPerGroup; o++) mask[c * outC + o] = 1;
    }
    const dense = tf.mul(tf.tile(w, [1, 1, groups, 1]), tf.tensor4d(mask, [1, 1, inC, outC]));
    return tf.conv2d(x, dense as tf.Tensor4D, stride, padding);
  });
}
