// Grouped (and dense) convolution forward on WebGPU in one dispatch for any number of groups:
// each invocation computes one output pixel × a block of 4 output channels of one group, and
// reads that group's input channels in place from x [N, H, W, inC] (NHWC, so a group's slice is
// contiguous along the innermost axis). No split, no concat, no copies: TF.js's own path
// ('split' in groupedConv.ts) is 2 + C dispatches and copies every input and output once more.
//
// Out-of-range taps (PyTorch's symmetric zero padding) are skipped, not read.

import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  convGeometry,
  flatProgram,
  geometryKey,
  blockFor,
  load,
  storeSum,
  declareSum,
  unpackIndex,
  addToSum,
  type Block,
  namedInputs,
  runFlat,
  type KernelArgs,
  type ConvGeometry,
} from './lib/convProgram';

export const GROUPED_CONV_FORWARD = 'CardinalGroupedConv2D';

export interface ConvAttrs {
  stride: number;
  pad: number;
  groups: number;
}

/** Output channels per invocation: 4 where a group's outputs come in fours, else 1. */
export function forwardBlock(g: ConvGeometry): Block {
  return blockFor(g.outPerGroup);
}

/** Invocations of the forward kernel: one per output pixel and block of output channels. */
export function forwardInvocations(g: ConvGeometry): number {
  return (g.batch * g.outH * g.outW * g.outC) / forwardBlock(g);
}

function forwardProgram(g: ConvGeometry) {
  const tn = forwardBlock(g);
  const body = `
    ${unpackIndex({ channel: 'co', row: 'oh', col: 'ow' }, g.outC, g.outH, g.outW, tn)}
    let ciBase = (co / ${g.outPerGroup}) * ${g.inPerGroup};
    ${declareSum(tn)}
    for (var i = 0; i < ${g.kh}; i++) {
      let ih = oh * ${g.stride} - ${g.pad} + i;
      if (ih < 0 || ih >= ${g.inH}) { continue; }
      for (var j = 0; j < ${g.kw}; j++) {
        let iw = ow * ${g.stride} - ${g.pad} + j;
        if (iw < 0 || iw >= ${g.inW}) { continue; }
        let xAt = ((n * ${g.inH} + ih) * ${g.inW} + iw) * ${g.inC} + ciBase;
        let wAt = (i * ${g.kw} + j) * ${g.inPerGroup * g.outC} + co;
        for (var ci = 0; ci < ${g.inPerGroup}; ci++) {
          let xv = x[xAt + ci];
          ${addToSum(tn, (o, w) => `xv * ${load('w', `wAt + ci * ${g.outC} + ${o}`, w)}`)}
        }
      }
    }
    ${storeSum(`pixel * ${g.outC} + co`, tn)}`;
  return flatProgram(
    `cardinalConvFwd_${geometryKey(g)}`,
    ['x', 'w'],
    [g.batch, g.outH, g.outW, g.outC],
    forwardInvocations(g),
    body,
  );
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [x, w] = namedInputs(inputs, ['x', 'w']);
  const { stride, pad, groups } = attrs as unknown as ConvAttrs;
  const g = convGeometry(
    x.shape as [number, number, number, number],
    w.shape as [number, number, number, number],
    stride,
    pad,
    groups,
  );
  return runFlat(backend as WebGPUBackend, forwardProgram(g), [x, w], forwardInvocations(g));
}

if (!tf.getKernel(GROUPED_CONV_FORWARD, 'webgpu')) {
  tf.registerKernel({ kernelName: GROUPED_CONV_FORWARD, backendName: 'webgpu', kernelFunc });
}

/** y = conv(x, w) on WebGPU, not differentiable by itself (kernelConv.ts adds the gradients). */
export function groupedConvForward(x: tf.Tensor4D, w: tf.Tensor4D, attrs: ConvAttrs): tf.Tensor4D {
  return tf.engine().runKernel(GROUPED_CONV_FORWARD, { x, w }, { ...attrs }) as tf.Tensor4D;
}
