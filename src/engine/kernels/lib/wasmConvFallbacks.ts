// wasmConv.ts's fallbacks, for the shapes our programs do not tile (a group whose channels are
// not a multiple of 4): TF.js's ops, one group at a time, concatenated again. Kernels may run
// ops; nothing is recorded while they do.

import * as tf from '@tensorflow/tfjs';
import { torchPadding } from '../../torchPadding';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../wasmKernels';
import type { ConvAttrs } from '../groupedConvForward';

type Shape4 = [number, number, number, number];

function asTensor(info: tf.TensorInfo): tf.Tensor4D {
  return (
    info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)
  ) as tf.Tensor4D;
}

function info(xShape: Shape4, wShape: Shape4, a: ConvAttrs) {
  const pad = torchPadding(a.pad);
  return tf.backend_util.computeConv2DInfo(
    xShape,
    wShape,
    a.stride,
    1,
    pad,
    undefined,
    false,
    'channelsLast',
  );
}

/** Each group's channels of a and b (the last axis) through `conv`, concatenated again. */
function perGroup(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  groups: number,
  conv: (ag: tf.Tensor4D, bg: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const bs = tf.split<tf.Tensor4D>(asTensor(b), groups, 3);
    const as = tf.split<tf.Tensor4D>(asTensor(a), groups, 3);
    return tf.concat(
      as.map((ag, g) => conv(ag, bs[g])),
      3,
    );
  });
}

export function fallbackForward(x: tf.TensorInfo, w: tf.TensorInfo, a: ConvAttrs) {
  return perGroup(x, w, a.groups, (xg, wg) => tf.conv2d(xg, wg, a.stride, torchPadding(a.pad)));
}

export function fallbackInputGrad(
  dy: tf.TensorInfo,
  w: tf.TensorInfo,
  a: ConvAttrs & { xShape: Shape4 },
) {
  const [n, h, wid, c] = a.xShape;
  const xShape: Shape4 = [n, h, wid, c / a.groups];
  return perGroup(dy, w, a.groups, (dyg, wg) =>
    conv2dBackpropInput(dyg, wg, info(xShape, wg.shape, a)),
  );
}

export function fallbackFilterGrad(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  a: ConvAttrs & { wShape: Shape4 },
) {
  const [kh, kw, ci, co] = a.wShape;
  const wShape: Shape4 = [kh, kw, ci, co / a.groups];
  return perGroup(x, dy, a.groups, (xg, dyg) =>
    conv2dBackpropFilter(xg, dyg, info(xg.shape, wShape, a)),
  );
}
