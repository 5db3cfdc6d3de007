// Optimizers with torch.optim's exact update rules (SGD with coupled weight decay, AdamW with
// decoupled weight decay) and gradient-norm clipping as torch.nn.utils.clip_grad_norm_.
// TF.js's own optimizers differ (tf.train.momentum has no weight decay and a different
// momentum form; there is no AdamW), so we write the updates out over named variables, which
// also gives checkpoints PyTorch-shaped per-parameter state.
//
// Ownership: step() neither keeps nor disposes the gradients it is given; the optimizer owns its
// buffers. state() returns clones the caller must dispose; loadState() clones what it is given.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../spec/types';
import { kernelMode } from './kernels';
import { adamwStepFused, sgdStepFused } from './kernels/optimizerStep';
// Registers the same two kernels for the wasm backend.
import './kernels/optimizerStepWasm';
import { onWebgpu } from './kernels/lib/webgpuKernel';

/** Whether the backend has the one-kernel optimizer steps (kernels/optimizerStep*.ts). */
const hasFusedStep = () => onWebgpu() || tf.getBackend() === 'wasm';

/** One parameter's optimizer state; PyTorch names in the comments for export. */
export interface ParamState {
  /** Updates this parameter has had ('step'); AdamW's bias correction uses it. */
  step: number;
  /** SGD with momentum ≠ 0: 'momentum_buffer'. */
  momentumBuffer?: tf.Tensor;
  /** AdamW: 'exp_avg' (first moment). */
  expAvg?: tf.Tensor;
  /** AdamW: 'exp_avg_sq' (second moment). */
  expAvgSq?: tf.Tensor;
}

export interface OptimizerState {
  kind: OptimizerSpec['kind'];
  /** Calls of step() so far. */
  step: number;
  /** Keyed by parameter name. Parameters that never had a gradient have no entry (as PyTorch). */
  params: Record<string, ParamState>;
}

export interface Optimizer {
  /**
   * One update of every parameter that has a gradient (parameters without one are skipped, as
   * PyTorch skips p.grad is None). `momentum`, when given, replaces SGD's momentum or AdamW's
   * beta1 for this step: that is what OneCycleLR's cycle_momentum does (see scheduledMomentum).
   */
  step(
    params: Map<string, tf.Variable>,
    grads: Map<string, tf.Tensor>,
    lr: number,
    momentum?: number,
  ): void;
  state(): OptimizerState;
  loadState(state: OptimizerState): void;
  dispose(): void;
}

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  if (spec.kind === 'sgd' && spec.nesterov && spec.momentum <= 0) {
    // torch.optim.SGD refuses this too: Nesterov without momentum is plain SGD in disguise.
    throw new Error('Nesterov momentum requires a momentum > 0');
  }
  let steps = 0;
  let slots = new Map<string, ParamState>();
  // Read once, as the model does: on WebGPU and WASM our kernels update a parameter and its
  // state in one kernel (kernels/optimizerStep*.ts); elsewhere, and with stock kernels, the ops
  // below.
  const fused = kernelMode() === 'cardinal';

  const disposeSlots = (all: Map<string, ParamState>) => {
    for (const s of all.values()) tf.dispose([s.momentumBuffer, s.expAvg, s.expAvgSq]);
  };

  // The new buffer outlives the tidy that made it; the old one is no longer referenced.
  const replace = (old: tf.Tensor | undefined, next: tf.Tensor): tf.Tensor => {
    tf.keep(next);
    old?.dispose();
    return next;
  };

  function sgdStep(
    s: Extract<OptimizerSpec, { kind: 'sgd' }>,
    p: tf.Variable,
    grad: tf.Tensor,
    slot: ParamState,
    lr: number,
    momentum: number,
  ) {
    if (fused && hasFusedStep()) {
      const h = { lr, momentum, weightDecay: s.weightDecay, nesterov: s.nesterov };
      const next = sgdStepFused(p, grad, slot.momentumBuffer, h);
      p.assign(next.param);
      next.param.dispose();
      if (next.buf) slot.momentumBuffer = replace(slot.momentumBuffer, next.buf);
      return;
    }
    tf.tidy(() => {
      // torch.optim.SGD (dampening 0): d_p = grad + wd·p; buf = momentum·buf + d_p, with
      // buf = d_p on the first step; nesterov: d_p += momentum·buf, else d_p = buf; p -= lr·d_p.
      let d = s.weightDecay !== 0 ? grad.add(p.mul(s.weightDecay)) : grad;
      if (momentum !== 0) {
        const buf = slot.momentumBuffer ? slot.momentumBuffer.mul(momentum).add(d) : d.clone();
        slot.momentumBuffer = replace(slot.momentumBuffer, buf);
        d = s.nesterov ? d.add(buf.mul(momentum)) : buf;
      }
      p.assign(p.sub(d.mul(lr)));
    });
  }

  function adamwStep(
    s: Extract<OptimizerSpec, { kind: 'adamw' }>,
    p: tf.Variable,
    grad: tf.Tensor,
    slot: ParamState,
    lr: number,
    beta1: number,
  ) {
    const beta2 = s.beta2;
    const t = slot.step;
    // Bias corrections in float64 on the host, as PyTorch computes them in Python floats, with
    // the current beta1 (which OneCycleLR may have changed).
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    if (fused && hasFusedStep()) {
      const h = { lr, beta1, beta2, eps: s.eps, weightDecay: s.weightDecay, stepSize, bc2Sqrt };
      const next = adamwStepFused(p, grad, slot.expAvg, slot.expAvgSq, h);
      p.assign(next.param);
      next.param.dispose();
      slot.expAvg = replace(slot.expAvg, next.m);
      slot.expAvgSq = replace(slot.expAvgSq, next.v);
      return;
    }
    tf.tidy(() => {
      // torch.optim.AdamW (_single_tensor_adamw, amsgrad off): p ·= 1 − lr·wd (decoupled);
      // m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps).
      const decayed = s.weightDecay !== 0 ? p.mul(1 - lr * s.weightDecay) : p;
      const m0 = slot.expAvg ?? tf.zerosLike(p);
      const v0 = slot.expAvgSq ?? tf.zerosLike(p);
      // PyTorch updates m with lerp_(grad, 1−β1), i.e. m + (1−β1)·(g − m) for weights < 0.5.
      const m = m0.add(grad.sub(m0).mul(1 - beta1));
      const v = v0.mul(beta2).add(grad.square().mul(1 - beta2));
      slot.expAvg = replace(slot.expAvg, m);
      slot.expAvgSq = replace(slot.expAvgSq, v);
      const denom = v.sqrt().div(bc2Sqrt).add(s.eps);
      p.assign(decayed.sub(m.div(denom).mul(stepSize)));
    });
  }

  return {
    step(params, grads, lr, momentum) {
      for (const name of grads.keys()) {
        if (!params.has(name)) throw new Error(`Gradient for unknown parameter "${name}"`);
      }
      steps++;
      for (const [name, p] of params) {
        const grad = grads.get(name);
        if (!grad) continue;
        let slot = slots.get(name);
        if (!slot) slots.set(name, (slot = { step: 0 }));
        slot.step++;
        if (spec.kind === 'sgd') sgdStep(spec, p, grad, slot, lr, momentum ?? spec.momentum);
        else adamwStep(spec, p, grad, slot, lr, momentum ?? spec.beta1);
      }
    },

    state() {
      const params: Record<string, ParamState> = {};
      for (const [name, s] of slots) {
        params[name] = {
          step: s.step,
          momentumBuffer: s.momentumBuffer?.clone(),
          expAvg: s.expAvg?.clone(),
          expAvgSq: s.expAvgSq?.clone(),
        };
      }
      return { kind: spec.kind, step: steps, params };
    },

    loadState(state) {
      if (state.kind !== spec.kind) {
        throw new Error(`Optimizer state is for ${state.kind}, this optimizer is ${spec.kind}`);
      }
      const next = new Map<string, ParamState>();
      for (const [name, s] of Object.entries(state.params)) {
        next.set(name, {
          step: s.step,
          momentumBuffer: s.momentumBuffer && tf.keep(s.momentumBuffer.clone()),
          expAvg: s.expAvg && tf.keep(s.expAvg.clone()),
          expAvgSq: s.expAvgSq && tf.keep(s.expAvgSq.clone()),
        });
      }
      disposeSlots(slots);
      slots = next;
      steps = state.step;
    },

    dispose() {
      disposeSlots(slots);
      slots = new Map();
      steps = 0;
    },
  };
}

/**
 * torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2): total = ‖(‖g₁‖, ‖g₂‖, …)‖₂,
 * coef = maxNorm / (total + 1e-6), and every gradient is multiplied by min(coef, 1). The
 * decision stays on the device (no read-back each step); totalNorm is a scalar tensor to log
 * when wanted. Returns new tensors, always (scaled by 1 when not clipped), so that the caller
 * disposes inputs and outputs alike; the inputs are left untouched.
 */
export function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; totalNorm: tf.Scalar } {
  const out = new Map<string, tf.Tensor>();
  const totalNorm = tf.tidy(() => {
    const norms = [...grads.values()].map((g) => tf.norm(g));
    const total = norms.length ? tf.norm(tf.stack(norms)) : tf.scalar(0);
    const coef = tf.minimum(tf.scalar(maxNorm).div(total.add(1e-6)), 1);
    for (const [name, g] of grads) out.set(name, tf.keep(g.mul(coef)));
    return total as tf.Scalar;
  });
  return { grads: out, totalNorm };
}
