// 2-D convolution with PyTorch's semantics: symmetric explicit padding and `groups`.
//
// Padding: PyTorch pads `pad` pixels on every side. TF.js 'same' with stride 2 on an even size
// pads only after (bottom/right), which shifts every output by one pixel, so we always pass
// explicit [[0,0],[p,p],[p,p],[0,0]] (NHWC) and never 'same'.
//
// Groups: TF.js has no grouped convolution. The filter is stored in TF's layout
// [kh, kw, in/groups, out]; output channel o belongs to group floor(o / (out/groups)) and reads
// input channels of that group only — PyTorch's convention, so weights convert by a transpose.
// The strategies below build it from ops TF.js can differentiate on every backend.

import * as tf from '@tensorflow/tfjs';
import { holdForBackward, release } from './recompute';

/**
 * 'split': split input and filter into `groups` dense convs, concatenate the outputs.
 * 'fused': the same arithmetic as one differentiable op with its gradient in closed form
 *   (per group: the dense conv's input and filter gradients): the gradient tape holds only x,
 *   not the slices, the per-group outputs and the copies the tape saves of each (on WASM,
 *   TF.js's saved tensors are copies), so the group slices live only inside the op.
 * 'masked': one dense conv with a block-diagonal filter (the grouped filter tiled, then masked).
 */
export type GroupedConvStrategy = 'split' | 'fused' | 'masked';

/**
 * The strategy each backend uses when none is asked for. Measured in ../shared/DESIGN.md:
 * split + concat was fastest on every software backend (WASM, WebGL, WebGPU-SwiftShader) and
 * masked 4–6× slower. Re-measure on real GPUs before changing an entry.
 */
export const GROUPED_CONV_STRATEGY: Readonly<Record<string, GroupedConvStrategy>> = {
  cpu: 'split',
  // Measured on WASM (npm run bench -- --memory): the split strategy's tape held ~3× a grouped
  // layer's activations; fused holds x alone.
  wasm: 'fused',
  webgl: 'split',
  webgpu: 'split',
};

export function defaultGroupedConvStrategy(backend: string = tf.getBackend()): GroupedConvStrategy {
  return GROUPED_CONV_STRATEGY[backend] ?? 'split';
}

export interface ConvOptions {
  stride: number;
  /** Pixels of zero padding on each of the four sides, as PyTorch's `padding`. */
  pad: number;
  /** PyTorch's `groups`; 1 is a dense conv. */
  groups: number;
  strategy?: GroupedConvStrategy;
}

export type PadArg =
  'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** PyTorch's symmetric padding in the form tf.conv2d takes for NHWC. */
export function torchPadding(pad: number): PadArg {
  return pad === 0
    ? 'valid'
    : [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ];
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
  const padding = torchPadding(pad);
  if (groups === 1) return tf.conv2d(x, w, stride, padding);
  const strategy = opts.strategy ?? defaultGroupedConvStrategy();
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
