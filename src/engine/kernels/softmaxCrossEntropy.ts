// The training loss as one custom op: softmax cross-entropy with label smoothing
// (torch.nn.CrossEntropyLoss, reduction 'mean'), its gradient, and the batch's top-1 count.
// On WebGPU one dispatch computes all three (one workgroup walks the rows); the backward only
// scales the saved gradient by the incoming dy. The loss and the count come out together in
// `readout` [loss, correct], so the train step reads the device once per step.
// Elsewhere (wasm, cpu) loss.ts's ops, with the count stacked beside the loss.
//
// Per row: lse = log Σ exp(l), loss = (1 − ε)·(lse − l_y) + (ε/C)·(C·lse − Σ l),
// ∂loss/∂l_c = (softmax_c − (1 − ε)·[c = y] − ε/C) / N; top-1: the first largest logit.

import * as tf from '@tensorflow/tfjs';
import { checkLabels, correctTop1, crossEntropy } from '../loss';
import { runMultiOutput } from './lib/multiOutput';
import { onWebgpu, registerWebgpuKernel } from './lib/webgpuKernel';

const KERNEL = 'CardinalSoftmaxCrossEntropy';
const THREADS = 64;

function register(): void {
  registerWebgpuKernel(KERNEL, (inputs, backend, attrs) => {
    const { logits, labels } = inputs;
    const [n, c] = logits.shape;
    const body = `
      var<workgroup> lossSums : array<f32, ${THREADS}>;
      var<workgroup> hits : array<f32, ${THREADS}>;
      fn main(index : i32, t : i32, group : i32) {
        let C = u.classes;
        let eps = u.smoothing;
        var lossSum = 0.0;
        var hit = 0.0;
        for (var r = t; r < u.rows; r = r + ${THREADS}) {
          let row = r * C;
          var best = logits[row];
          var arg = 0;
          for (var k = 1; k < C; k = k + 1) {
            if (logits[row + k] > best) { best = logits[row + k]; arg = k; }
          }
          var total = 0.0;
          var sumLogits = 0.0;
          for (var k = 0; k < C; k = k + 1) {
            total = total + exp(logits[row + k] - best);
            sumLogits = sumLogits + logits[row + k];
          }
          let lse = best + log(total);
          let y = labels[r];
          lossSum = lossSum + (1.0 - eps) * (lse - logits[row + y])
              + (eps / f32(C)) * (f32(C) * lse - sumLogits);
          if (arg == y) { hit = hit + 1.0; }
          let invRows = 1.0 / f32(u.rows);
          for (var k = 0; k < C; k = k + 1) {
            let p = exp(logits[row + k] - lse);
            let want = select(0.0, 1.0 - eps, k == y) + eps / f32(C);
            grad[row + k] = (p - want) * invRows;
          }
        }
        lossSums[t] = lossSum;
        hits[t] = hit;
        workgroupBarrier();
        for (var s = ${THREADS / 2}; s > 0; s = s / 2) {
          if (t < s) {
            lossSums[t] = lossSums[t] + lossSums[t + s];
            hits[t] = hits[t] + hits[t + s];
          }
          workgroupBarrier();
        }
        if (t == 0) {
          let mean = lossSums[0] / f32(u.rows);
          loss[0] = mean;
          readout[0] = mean;
          readout[1] = hits[0];
        }
      }`;
    return runMultiOutput(backend, {
      key: KERNEL,
      inputs: { logits, labels },
      outputs: { loss: { shape: [] }, readout: { shape: [2] }, grad: { shape: [n, c] } },
      uniforms: {
        rows: { type: 'i32', value: n },
        classes: { type: 'i32', value: c },
        smoothing: { type: 'f32', value: attrs.smoothing as number },
      },
      workgroupSize: THREADS,
      workgroups: 1,
      body,
    });
  });
}

export interface LossReadout {
  /** The mean loss, differentiable with respect to the logits. */
  loss: tf.Scalar;
  /** [loss, top-1 correct] as float32, tf.keep()'d: one read-back gives both. */
  readout: tf.Tensor1D;
}

/** logits [N, C], labels int32 [N] in 0…C−1 (loss.ts checks them). */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  labelSmoothing = 0,
): LossReadout {
  if (!onWebgpu()) {
    const loss = crossEntropy(logits, labels, labelSmoothing);
    const readout = tf.tidy(() => tf.stack([loss, correctTop1(logits, labels).toFloat()]));
    return { loss, readout: tf.keep(readout) as tf.Tensor1D };
  }
  // loss.ts's checks, without its ops: they throw before any work on bad labels.
  checkLabels(logits, labels);
  register();
  let readout: tf.Tensor1D | undefined;
  // The labels are closed over, not an input: they take no gradient.
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const attrs = { smoothing: labelSmoothing };
    const outs = tf.engine().runKernel(KERNEL, { logits: x, labels }, attrs);
    const [loss, packed, grad] = outs as unknown as tf.Tensor[];
    readout = tf.keep(packed) as tf.Tensor1D;
    save([grad]);
    return { value: loss, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], dy) };
  });
  const loss = op(logits) as tf.Scalar;
  return { loss, readout: readout! };
}
