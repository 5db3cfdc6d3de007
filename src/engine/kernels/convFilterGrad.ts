// The filter gradient of a dense or grouped convolution on WebGPU, as an implicit GEMM with a
// split reduction (split-K), in two dispatches and without atomics.
//
// Per group, dw is a (kh·kw·inPerGroup) × outPerGroup matrix: dw = Xᵀ · dY, where row r of X
// is the window of x under output pixel r (never materialised: read from x in place) and the
// reduction runs over all N·outH·outW output pixels. TF.js 4.22's Conv2DDerFilterProgram gives
// each weight one invocation that loops over that whole reduction: a ResNet-20 3×3×16×16 conv
// at batch 128 is 2,304 invocations summing 131,072 products each, a few percent of a GPU.
//
// Here the reduction is cut into `splits` chunks. Pass 1 has one invocation per chunk and per
// block of 4, 2 or 1 output channels of one weight row
// (i, j, ci): it sums its chunk into a partial dw [splits, kh, kw, inPerGroup, outC]. Pass 2
// sums the partials per weight. `splits` is chosen so pass 1 has about TARGET_INVOCATIONS
// threads, as long as each chunk keeps at least MIN_CHUNK pixels.

import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  convGeometry,
  dispatchedInvocations,
  flatProgram,
  geometryKey,
  blockFor,
  load,
  storeSum,
  declareSum,
  addToSum,
  type Block,
  namedInputs,
  runFlat,
  type KernelArgs,
  type ConvGeometry,
} from './lib/convProgram';
import type { ConvAttrs } from './groupedConvForward';

export const CONV_FILTER_GRAD = 'CardinalConv2DBackpropFilter';

/** Threads pass 1 aims at: enough to fill a large GPU (≈10⁵ in flight) twice over is wasteful. */
export const TARGET_INVOCATIONS = 65_536;
/** Fewest output pixels per chunk: below that pass 2's reads outweigh pass 1's work. */
export const MIN_CHUNK = 32;

export interface FilterGradPlan {
  /** Output channels per pass-1 invocation. */
  block: Block;
  weights: number;
  /** Output pixels summed: N·outH·outW. */
  reduction: number;
  splits: number;
  /** Output pixels per chunk (the last may be shorter). */
  chunk: number;
  /** Threads of pass 1 that do work, and the threads its dispatch really launches. */
  invocations: number;
  dispatched: number;
}

export function filterGradPlan(g: ConvGeometry): FilterGradPlan {
  const block = blockFor(g.outPerGroup);
  const weights = g.kh * g.kw * g.inPerGroup * g.outC;
  const blocks = weights / block;
  const reduction = g.batch * g.outH * g.outW;
  const wanted = Math.ceil(TARGET_INVOCATIONS / blocks);
  const most = Math.max(1, Math.floor(reduction / MIN_CHUNK));
  const chunk = Math.ceil(reduction / Math.min(wanted, most));
  const splits = Math.ceil(reduction / chunk);
  const invocations = splits * blocks;
  return {
    block,
    weights,
    reduction,
    splits,
    chunk,
    invocations,
    dispatched: dispatchedInvocations(invocations),
  };
}

function partialProgram(g: ConvGeometry, plan: FilterGradPlan) {
  const { block: tn, weights, chunk, reduction } = plan;
  const body = `
    let blocks = ${weights / tn};
    let split = index / blocks;
    let wb = index % blocks;
    let co = (wb % ${g.outC / tn}) * ${tn};
    let row = wb / ${g.outC / tn};
    let ci = row % ${g.inPerGroup};
    let j = (row / ${g.inPerGroup}) % ${g.kw};
    let i = row / ${g.inPerGroup * g.kw};
    let cin = (co / ${g.outPerGroup}) * ${g.inPerGroup} + ci;
    let start = split * ${chunk};
    let end = min(start + ${chunk}, ${reduction});
    var ow = start % ${g.outW};
    var oh = (start / ${g.outW}) % ${g.outH};
    var n = start / ${g.outW * g.outH};
    ${declareSum(tn)}
    for (var r = start; r < end; r++) {
      let ih = oh * ${g.stride} - ${g.pad} + i;
      let iw = ow * ${g.stride} - ${g.pad} + j;
      if (ih >= 0 && ih < ${g.inH} && iw >= 0 && iw < ${g.inW}) {
        let xv = x[((n * ${g.inH} + ih) * ${g.inW} + iw) * ${g.inC} + cin];
        ${addToSum(tn, (o, w) => `xv * ${load('dy', `r * ${g.outC} + co + ${o}`, w)}`)}
      }
      ow++;
      if (ow == ${g.outW}) {
        ow = 0;
        oh++;
        if (oh == ${g.outH}) { oh = 0; n++; }
      }
    }
    let at = split * ${weights} + wb * ${tn};
    ${storeSum('at', tn)}`;
  return flatProgram(
    `cardinalConvDwPartial_${geometryKey(g)}_${plan.splits}`,
    ['x', 'dy'],
    // With one split the partial sums are dw itself.
    plan.splits === 1 ? [g.kh, g.kw, g.inPerGroup, g.outC] : [plan.splits, weights],
    plan.invocations,
    body,
  );
}

function sumProgram(g: ConvGeometry, plan: FilterGradPlan) {
  const body = `
    var sum = 0.0;
    for (var s = 0; s < ${plan.splits}; s++) { sum += partial[s * ${plan.weights} + index]; }
    result[index] = sum;`;
  return flatProgram(
    `cardinalConvDwSum_${plan.splits}_${plan.weights}`,
    ['partial'],
    [g.kh, g.kw, g.inPerGroup, g.outC],
    plan.weights,
    body,
  );
}

interface FilterGradAttrs extends ConvAttrs {
  wShape: [number, number, number, number];
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [x, dy] = namedInputs(inputs, ['x', 'dy']);
  const { stride, pad, groups, wShape } = attrs as unknown as FilterGradAttrs;
  const gpu = backend as WebGPUBackend;
  const g = convGeometry(x.shape as [number, number, number, number], wShape, stride, pad, groups);
  if (dy.shape.join() !== [g.batch, g.outH, g.outW, g.outC].join()) {
    throw new Error(
      `conv filter gradient: dy ${dy.shape.join('×')} does not fit the conv's output`,
    );
  }
  const plan = filterGradPlan(g);
  const partial = runFlat(gpu, partialProgram(g, plan), [x, dy], plan.invocations);
  if (plan.splits === 1) return partial;
  const dw = runFlat(gpu, sumProgram(g, plan), [partial], plan.weights);
  gpu.disposeData(partial.dataId);
  return dw;
}

if (!tf.getKernel(CONV_FILTER_GRAD, 'webgpu')) {
  tf.registerKernel({ kernelName: CONV_FILTER_GRAD, backendName: 'webgpu', kernelFunc });
}

/** dw of y = conv(x, w) for upstream gradient dy; w's shape is wShape. */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  wShape: [number, number, number, number],
  attrs: ConvAttrs,
): tf.Tensor4D {
  return tf.engine().runKernel(CONV_FILTER_GRAD, { x, dy }, { ...attrs, wShape }) as tf.Tensor4D;
}
