// The optimizer's update of one parameter as ONE WebGPU dispatch that writes the new parameter
// and its state together (lib/multiOutput.ts), with the learning rate, momentum and decay as
// uniforms: no scalar tensors made and uploaded each step. The arithmetic is torch.optim's, in
// the same order as optim.ts's composed update (which cpu keeps). On WASM the same two kernels
// are loops over the heap (optimizerStepWasm.ts).

import * as tf from '@tensorflow/tfjs';
import { runMultiOutput, workgroupsFor } from './lib/multiOutput';
import { registerWebgpuKernel } from './lib/webgpuKernel';

export const SGD_STEP = 'CardinalSgdStep';
export const ADAMW_STEP = 'CardinalAdamwStep';
const THREADS = 128;

export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** lr / (1 − β1^t), computed on the host in float64 as PyTorch does. */
  stepSize: number;
  /** √(1 − β2^t). */
  bc2Sqrt: number;
}

function register(): void {
  registerWebgpuKernel(SGD_STEP, (inputs, backend, attrs) => {
    const { p, g, buf } = inputs;
    const withMomentum = Boolean(attrs.withMomentum);
    const first = !buf;
    const nesterov = Boolean(attrs.nesterov);
    // torch.optim.SGD (dampening 0): d = g + wd·p; buf = m·buf + d (buf = d at first);
    // nesterov: d = d + m·buf, else d = buf; p = p − lr·d.
    const body = `
      fn main(index : i32, local : i32, group : i32) {
        if (index >= u.size) { return; }
        var d = g[index] + p[index] * u.weightDecay;
        ${
          withMomentum
            ? `let b = ${first ? 'd' : 'buf[index] * u.momentum + d'};
               bufOut[index] = b;
               ${nesterov ? 'd = d + b * u.momentum;' : 'd = b;'}`
            : ''
        }
        pOut[index] = p[index] - d * u.lr;
      }`;
    const shape = p.shape;
    return runMultiOutput(backend, {
      key: `${SGD_STEP}_${withMomentum}_${first}_${nesterov}`,
      inputs: first || !withMomentum ? { p, g } : { p, g, buf },
      outputs: withMomentum ? { pOut: { shape }, bufOut: { shape } } : { pOut: { shape } },
      uniforms: {
        size: { type: 'i32', value: tf.util.sizeFromShape(shape) },
        lr: { type: 'f32', value: attrs.lr as number },
        momentum: { type: 'f32', value: attrs.momentum as number },
        weightDecay: { type: 'f32', value: attrs.weightDecay as number },
      },
      workgroupSize: THREADS,
      workgroups: workgroupsFor(tf.util.sizeFromShape(shape), THREADS),
      body,
    });
  });

  registerWebgpuKernel(ADAMW_STEP, (inputs, backend, attrs) => {
    const { p, g, m, v } = inputs;
    const first = !m;
    // torch.optim.AdamW: p ·= 1 − lr·wd; m = m + (g − m)·(1 − β1); v = β2·v + (1 − β2)·g²;
    // p −= stepSize · m / (√v / bc2Sqrt + eps). First step: m = v = 0.
    const body = `
      fn main(index : i32, local : i32, group : i32) {
        if (index >= u.size) { return; }
        let grad = g[index];
        let m0 = ${first ? '0.0' : 'm[index]'};
        let v0 = ${first ? '0.0' : 'v[index]'};
        let m1 = m0 + (grad - m0) * (1.0 - u.beta1);
        let v1 = v0 * u.beta2 + grad * grad * (1.0 - u.beta2);
        mOut[index] = m1;
        vOut[index] = v1;
        let decayed = p[index] * (1.0 - u.lr * u.weightDecay);
        pOut[index] = decayed - m1 / (sqrt(v1) / u.bc2Sqrt + u.eps) * u.stepSize;
      }`;
    const shape = p.shape;
    return runMultiOutput(backend, {
      key: `${ADAMW_STEP}_${first}`,
      inputs: first ? { p, g } : { p, g, m, v },
      outputs: { pOut: { shape }, mOut: { shape }, vOut: { shape } },
      uniforms: {
        size: { type: 'i32', value: tf.util.sizeFromShape(shape) },
        lr: { type: 'f32', value: attrs.lr as number },
        beta1: { type: 'f32', value: attrs.beta1 as number },
        beta2: { type: 'f32', value: attrs.beta2 as number },
        eps: { type: 'f32', value: attrs.eps as number },
        weightDecay: { type: 'f32', value: attrs.weightDecay as number },
        stepSize: { type: 'f32', value: attrs.stepSize as number },
        bc2Sqrt: { type: 'f32', value: attrs.bc2Sqrt as number },
      },
      workgroupSize: THREADS,
      workgroups: workgroupsFor(tf.util.sizeFromShape(shape), THREADS),
      body,
    });
  });
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) =>
  tf.engine().runKernel(name, inputs, attrs) as unknown as tf.Tensor[];

/** SGD in one kernel (WebGPU, WASM): the new parameter and (with momentum) the new momentum buffer. */
export function sgdStepFused(
  p: tf.Tensor,
  g: tf.Tensor,
  buf: tf.Tensor | undefined,
  h: SgdHyper,
): { param: tf.Tensor; buf?: tf.Tensor } {
  register();
  const withMomentum = h.momentum !== 0;
  const inputs: tf.NamedTensorMap = buf && withMomentum ? { p, g, buf } : { p, g };
  const [param, nextBuf] = run(SGD_STEP, inputs, { ...h, withMomentum });
  return withMomentum ? { param, buf: nextBuf } : { param };
}

/** AdamW in one kernel (WebGPU, WASM): the new parameter and both moments. */
export function adamwStepFused(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor | undefined,
  v: tf.Tensor | undefined,
  h: AdamwHyper,
): { param: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  register();
  const inputs: tf.NamedTensorMap = m && v ? { p, g, m, v } : { p, g };
  const [param, nextM, nextV] = run(ADAMW_STEP, inputs, { ...h });
  return { param, m: nextM, v: nextV };
}
