// The input gradient of a grouped (or dense) convolution on WebGPU, one dispatch for any number
// of groups: dx[n, h, w, ci] = Σ over the taps (i, j) whose window covers (h, w) and over the
// output channels co of ci's group of dy[n, oh, ow, co] · w[i, j, ci mod inPerGroup, co].
// Each invocation computes one input pixel × a block of 4 input channels of one group, reading
// the group's dy slice and filter slice in place (NHWC and [kh, kw, in/g, out] keep both
// contiguous). With stride s only taps where (h + pad − i) is a multiple of s contribute.

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
import type { ConvAttrs } from './groupedConvForward';

export const GROUPED_CONV_INPUT_GRAD = 'CardinalGroupedConv2DBackpropInput';

/** Input channels per invocation: 4 where a group's inputs come in fours, else 1. */
export function inputGradBlock(g: ConvGeometry): Block {
  return blockFor(g.inPerGroup);
}

export function inputGradInvocations(g: ConvGeometry): number {
  return (g.batch * g.inH * g.inW * g.inC) / inputGradBlock(g);
}

function inputGradProgram(g: ConvGeometry) {
  const tn = inputGradBlock(g);
  const body = `
    ${unpackIndex({ channel: 'ci', row: 'ih', col: 'iw' }, g.inC, g.inH, g.inW, tn)}
    let coBase = (ci / ${g.inPerGroup}) * ${g.outPerGroup};
    let ciLocal = ci % ${g.inPerGroup};
    ${declareSum(tn)}
    for (var i = 0; i < ${g.kh}; i++) {
      let th = ih + ${g.pad} - i;
      if (th < 0 || th % ${g.stride} != 0) { continue; }
      let oh = th / ${g.stride};
      if (oh >= ${g.outH}) { continue; }
      for (var j = 0; j < ${g.kw}; j++) {
        let tw = iw + ${g.pad} - j;
        if (tw < 0 || tw % ${g.stride} != 0) { continue; }
        let ow = tw / ${g.stride};
        if (ow >= ${g.outW}) { continue; }
        let dyAt = ((n * ${g.outH} + oh) * ${g.outW} + ow) * ${g.outC} + coBase;
        let wAt = ((i * ${g.kw} + j) * ${g.inPerGroup} + ciLocal) * ${g.outC} + coBase;
        for (var co = 0; co < ${g.outPerGroup}; co++) {
          let dv = dy[dyAt + co];
          ${addToSum(tn, (o, w) => `dv * ${load('w', `wAt + co + ${o * g.outC}`, w, String(g.outC))}`)}
        }
      }
    }
    ${storeSum(`pixel * ${g.inC} + ci`, tn)}`;
  return flatProgram(
    `cardinalConvDx_${geometryKey(g)}`,
    ['dy', 'w'],
    [g.batch, g.inH, g.inW, g.inC],
    inputGradInvocations(g),
    body,
  );
}

interface InputGradAttrs extends ConvAttrs {
  xShape: [number, number, number, number];
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [dy, w] = namedInputs(inputs, ['dy', 'w']);
  const { stride, pad, groups, xShape } = attrs as unknown as InputGradAttrs;
  const g = convGeometry(xShape, w.shape as [number, number, number, number], stride, pad, groups);
  if (dy.shape.join() !== [g.batch, g.outH, g.outW, g.outC].join()) {
    throw new Error(`conv input gradient: dy ${dy.shape.join('×')} does not fit the conv's output`);
  }
  return runFlat(backend as WebGPUBackend, inputGradProgram(g), [dy, w], inputGradInvocations(g));
}

if (!tf.getKernel(GROUPED_CONV_INPUT_GRAD, 'webgpu')) {
  tf.registerKernel({ kernelName: GROUPED_CONV_INPUT_GRAD, backendName: 'webgpu', kernelFunc });
}

/** dx of y = conv(x, w) for upstream gradient dy, x of shape xShape. */
export function groupedConvInputGrad(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: [number, number, number, number],
  attrs: ConvAttrs,
): tf.Tensor4D {
  return tf
    .engine()
    .runKernel(GROUPED_CONV_INPUT_GRAD, { dy, w }, { ...attrs, xShape }) as tf.Tensor4D;
}
