// The optimizer's update of one parameter on the WASM backend: the two kernels
// optimizerStep.ts defines (same names, inputs, attributes and outputs) as one loop over the
// heap that writes the new parameter and its state. The composed update is 4–9 TF.js kernels
// per parameter (~390 a ResNet-20 step, each with its scalar tensors); this is one.
//
// Float32 like the composed update: every operation rounds to float32 (Math.fround), in the
// same order, with the hyper-parameters as float32 scalars, so the result is bit-for-bit the
// composed update's (optimizerStep.test.ts).

import * as tf from '@tensorflow/tfjs';
import { ADAMW_STEP, SGD_STEP } from './optimizerStep';
import { floatIndex, registerWasmKernel, withOutputs, type WasmBackend } from './lib/wasmHeap';

const r = Math.fround;

type Inputs = Record<string, tf.TensorInfo | undefined>;

const at = (heap: WasmBackend, t: tf.TensorInfo | undefined) => (t ? floatIndex(heap, t) : 0);

function sgd(inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap): tf.TensorInfo[] {
  const { p, g, buf } = inputs;
  const withMomentum = Boolean(attrs.withMomentum);
  const nesterov = Boolean(attrs.nesterov);
  const [lr, momentum, wd] = [attrs.lr, attrs.momentum, attrs.weightDecay].map((v) =>
    r(v as number),
  );
  const shapes = Array.from({ length: withMomentum ? 2 : 1 }, () => p!.shape);
  return withOutputs(heap, shapes, 0, ({ outs, f32: h }) => {
    const [pi, gi, bi] = [p, g, buf].map((t) => at(heap, t));
    const [po, bo] = outs.map((t) => at(heap, t));
    const size = tf.util.sizeFromShape(p!.shape);
    // torch.optim.SGD (dampening 0): d = g + wd·p; buf = m·buf + d (buf = d at first);
    // nesterov: d = d + m·buf, else d = buf; p = p − lr·d.
    for (let i = 0; i < size; i++) {
      let d = r(h[gi + i] + r(h[pi + i] * wd));
      if (withMomentum) {
        const b = buf ? r(r(h[bi + i] * momentum) + d) : d;
        h[bo + i] = b;
        d = nesterov ? r(d + r(b * momentum)) : b;
      }
      h[po + i] = r(h[pi + i] - r(d * lr));
    }
  });
}

function adamw(inputs: Inputs, heap: WasmBackend, attrs: tf.NamedAttrMap): tf.TensorInfo[] {
  const { p, g, m, v } = inputs;
  const num = (name: string) => attrs[name] as number;
  const keep = r(1 - num('lr') * num('weightDecay'));
  const [oneMinusB1, b2, oneMinusB2] = [1 - num('beta1'), num('beta2'), 1 - num('beta2')].map(r);
  const [eps, stepSize, bc2Sqrt] = [num('eps'), num('stepSize'), num('bc2Sqrt')].map(r);
  return withOutputs(heap, [p!.shape, p!.shape, p!.shape], 0, ({ outs, f32: h }) => {
    const [pi, gi, mi, vi] = [p, g, m, v].map((t) => at(heap, t));
    const [po, mo, vo] = outs.map((t) => at(heap, t));
    const size = tf.util.sizeFromShape(p!.shape);
    // torch.optim.AdamW: p ·= 1 − lr·wd; m = m + (g − m)·(1 − β1); v = β2·v + (1 − β2)·g²;
    // p −= stepSize · m / (√v / bc2Sqrt + eps). First step: m = v = 0.
    for (let i = 0; i < size; i++) {
      const grad = h[gi + i];
      const m0 = m ? h[mi + i] : 0;
      const v0 = v ? h[vi + i] : 0;
      const m1 = r(m0 + r(r(grad - m0) * oneMinusB1));
      const v1 = r(r(v0 * b2) + r(r(grad * grad) * oneMinusB2));
      h[mo + i] = m1;
      h[vo + i] = v1;
      const denom = r(r(r(Math.sqrt(v1)) / bc2Sqrt) + eps);
      h[po + i] = r(r(h[pi + i] * keep) - r(r(m1 / denom) * stepSize));
    }
  });
}

registerWasmKernel(SGD_STEP, sgd);
registerWasmKernel(ADAMW_STEP, adamw);
