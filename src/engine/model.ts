// buildModel(spec): the ResNet/ResNeXt as TF.js variables with torchvision's names and a
// forward pass with PyTorch's numerics. The forward runs the spec's layer walk as it stands
// (spec/layers.ts, through params.ts): which layers, in which order, with which kernels,
// strides and shortcuts is decided there, not here. Weights live in TF layouts (conv
// [kh, kw, in/g, out], fc [in, out]); params.ts converts to PyTorch's for export.

import * as tf from '@tensorflow/tfjs';
import type { ConvLayer, Layer, Row } from '../spec/layers';
import { createRng, type Rng } from '../spec/random';
import type { ArchSpec } from '../spec/types';
import type { BlockEnd } from './kernels/batchNorm';
import {
  applyBatchNormUpdates,
  batchNorm,
  createBatchNorm,
  discardBatchNormUpdates,
  disposeBatchNorm,
  type BatchNormLayer,
  type PendingBatchNormUpdate,
} from './batchNorm';
import { defaultGroupedConvStrategy, groupedConv2d, type GroupedConvStrategy } from './groupedConv';
import { initialValues } from './init';
import { kernelMode } from './kernels';
import { planBlockFusion, type Fusion } from './kernels/blockFusion';
import { dropout2d, flattenTorch, linear, maxPool2d, shortcutA, shortcutAByConv } from './ops';
import { paramInfos, planLayers, planModel, type ModelPlan } from './params';
import { checkpointed } from './recompute';

export interface BuildOptions {
  /** Seeds the initial weights and, through a separate stream, the stem's Dropout2d. */
  seed: number;
  /** Square input size the model is built for (CIFAR: 32). Only the 'max4' head needs it. */
  inputSize?: number;
  /** Force a grouped-conv strategy; by default groupedConv.ts picks one per backend. */
  groupedConv?: GroupedConvStrategy;
  /**
   * Sees every Dropout2d mask a training forward draws (layer name from the walk, mask
   * [N, C] row-major: 0 or 1/(1 − p)), for a training trace; nothing else reads the masks.
   */
  onDropoutMask?: (layer: string, mask: Float32Array, images: number, channels: number) => void;
  /**
   * Gradient checkpointing per residual block (recompute.ts): a training forward keeps only
   * each block's input, the backward recomputes the block. Less memory, one more forward.
   */
  recompute?: boolean;
}

/**
 * Sees the activations of an eval forward, for the inside views (inspect.ts). The calls come
 * from the forward's own layer walk, inside its tf.tidy: a tap that wants a tensor after the
 * forward returns must tf.keep what it derives from it.
 */
export interface ForwardTaps {
  /** After each layer of the stem or a block: `row.layers[index]`'s output. */
  layer?(row: Row, index: number, output: tf.Tensor4D): void;
  /** A residual block's two paths as they meet at its addition. */
  add?(row: Row, branch: tf.Tensor4D, shortcut: tf.Tensor4D): void;
}

export interface Model {
  readonly spec: ArchSpec;
  readonly plan: ModelPlan;
  /** Trainable variables by torchvision state_dict key, in named_parameters() order. */
  readonly params: Map<string, tf.Variable>;
  /**
   * Batch-norm buffers by state_dict key: running_mean, running_var (float32) and
   * num_batches_tracked (int32 scalar; int64 in PyTorch). Call applyBatchNormUpdates() before
   * reading them after a training forward.
   */
  readonly buffers: Map<string, tf.Variable>;
  /**
   * Logits [N, classes] for x [N, H, W, 3] (NHWC, float32, already normalised). training:
   * batch statistics and stem dropout; the batch statistics are queued (batchNorm.ts), not
   * yet written to the buffers. Call it inside tf.tidy / variableGrads as usual. taps: eval
   * only, lets a caller look at intermediate activations without a second layer walk.
   */
  forward(x: tf.Tensor4D, training: boolean, taps?: ForwardTaps): tf.Tensor2D;
  /**
   * Folds the queued batch statistics into the running buffers, oldest first: the train step
   * calls it after its gradient step. The next forward (eval or training) also does it first,
   * so eval always sees every earlier training forward and the queue never grows.
   */
  applyBatchNormUpdates(): void;
  /** Drops the queued statistics, e.g. after a step rejected for a non-finite loss. */
  discardBatchNormUpdates(): void;
  /** Training forwards whose statistics are queued × batch norms per forward. */
  pendingBatchNormUpdates(): number;
  /** Whether training forwards checkpoint each block (BuildOptions.recompute); settable. */
  recompute: boolean;
  /** The dropout generator's state, for checkpoints; setDropoutRngState resumes it. */
  dropoutRngState(): number;
  setDropoutRngState(state: number): void;
  dispose(): void;
}

let builtModels = 0;

export function buildModel(spec: ArchSpec, options: BuildOptions): Model {
  const plan = planModel(spec, options.inputSize ?? 32);
  // tf.Variable names are global to the engine, so each model gets its own prefix; the maps'
  // keys are the plain torchvision names.
  const prefix = `model${builtModels++}/`;
  const initRng = createRng(options.seed);
  // A separate stream: dropout masks do not shift with the number of weights, and init does
  // not depend on how many forwards ran.
  let dropoutRng: Rng = createRng((options.seed ^ 0x5f3759df) >>> 0);

  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  const bnLayers = new Map<string, BatchNormLayer>();
  for (const l of planLayers(plan)) {
    if (l.op === 'bn') {
      const layer = createBatchNorm(l.channels, prefix + l.name);
      bnLayers.set(l.name, layer);
      buffers.set(`${l.name}.running_mean`, layer.runningMean);
      buffers.set(`${l.name}.running_var`, layer.runningVar);
      buffers.set(`${l.name}.num_batches_tracked`, layer.numBatchesTracked);
    }
  }
  // Parameters in named_parameters() order, so the init stream is consumed in that order.
  for (const p of paramInfos(plan)) {
    const bn = bnLayers.get(p.name.slice(0, p.name.lastIndexOf('.')));
    if (bn) {
      params.set(p.name, p.name.endsWith('.weight') ? bn.gamma : bn.beta);
      continue;
    }
    const size = p.shape.reduce((a, b) => a * b, 1);
    const values = initialValues(p.init, size, initRng);
    params.set(
      p.name,
      tf.tidy(() => tf.variable(tf.tensor(values, p.shape), true, prefix + p.name)),
    );
  }

  const pending: PendingBatchNormUpdate[] = [];
  // Read once: a model never mixes stock and our kernels (kernels/index.ts).
  const kernels = kernelMode();
  const fusionPlans = new Map(
    [plan.stem, ...plan.blocks].map((row) => [row, planBlockFusion(row.layers)]),
  );
  const noFusion = new Map<number, Fusion>();
  const { onDropoutMask } = options;
  const observeDropout = (layer: string) =>
    onDropoutMask &&
    ((mask: Float32Array, n: number, c: number) => onDropoutMask(layer, mask, n, c));
  const weight = (name: string) => params.get(`${name}.weight`) as tf.Variable;
  const bnOf = (name: string) => bnLayers.get(name) as BatchNormLayer;

  // Chosen once, at build: the backend and kernelMode() as they are now (kernels/index.ts).
  const strategy = options.groupedConv ?? defaultGroupedConvStrategy();
  // The batch being run: a conv on it (the stem's) needs no input gradient.
  let image: tf.Tensor | null = null;
  const conv = (x: tf.Tensor4D, c: ConvLayer): tf.Tensor4D => {
    const y = groupedConv2d(x, weight(c.name) as tf.Tensor4D, {
      stride: c.stride,
      pad: c.padding,
      groups: c.groups,
      strategy,
      inputGrad: x !== image,
    });
    return c.bias ? tf.add(y, params.get(`${c.name}.bias`) as tf.Tensor1D) : y;
  };

  const forward = (x: tf.Tensor4D, training: boolean, taps?: ForwardTaps): tf.Tensor2D => {
    if (x.rank !== 4 || x.shape[3] !== 3) {
      throw new Error(`forward expects NHWC images with 3 channels, got [${x.shape.join(', ')}]`);
    }
    // Training activations would also have to survive the gradient tape: not needed, not done.
    if (taps && training) throw new Error('forward taps are for eval forwards only');
    image = x;
    if (pending.length > 0) {
      // Statistics of earlier training forwards the caller has not applied: fold them in now,
      // in order, so eval sees them and the queue stays bounded. Within a training forward
      // under a gradient tape these few [C] ops are recorded but lie on no path to the loss.
      applyBatchNormUpdates(pending);
    }
    const bn = (t: tf.Tensor4D, name: string, end: BlockEnd = {}) =>
      batchNorm(t, bnOf(name), training, pending, { kernels, ...end });
    try {
      return tf.tidy(() => run(x, training, bn, taps));
    } catch (error) {
      // A forward that failed half-way must not leave its statistics queued.
      discardBatchNormUpdates(pending);
      throw error;
    }
  };

  type Norm = (t: tf.Tensor4D, name: string, end?: BlockEnd) => tf.Tensor4D;

  /**
   * The block as a checkpointed op (recompute.ts). Its recompute normalises with the same batch
   * statistics (same input, same weights) but queues them in a scratch list, dropped after the
   * block's backward: the forward already queued them once. (Our closed-form batch norm saves
   * only x for its backward, so the norms inside need no checkpoint of their own.)
   */
  const checkpointedBlock = (
    block: Row,
    walk: (row: Row, input: tf.Tensor4D, norm: Norm) => tf.Tensor4D,
    bn: Norm,
  ) => {
    const scratch: PendingBatchNormUpdate[] = [];
    const recomputeBn: Norm = (t, name, end = {}) =>
      batchNorm(t, bnOf(name), true, scratch, { kernels, ...end });
    const blockParams = [...params]
      .filter(([name]) => name.startsWith(`${block.name}.`))
      .map(([, v]) => v);
    return checkpointed(
      (x) => walk(block, x, bn),
      (x) => walk(block, x, recomputeBn),
      blockParams,
      () => discardBatchNormUpdates(scratch),
    );
  };

  const run = (x: tf.Tensor4D, training: boolean, bn: Norm, taps?: ForwardTaps): tf.Tensor2D => {
    /** One stem or block layer on its path's activation (the block loop does the addition). */
    const apply = (t: tf.Tensor4D, l: Layer, norm: Norm): tf.Tensor4D => {
      switch (l.op) {
        case 'conv':
          return conv(t, l);
        case 'bn':
          return norm(t, l.name);
        case 'relu':
          return tf.relu(t);
        case 'dropout':
          return training ? dropout2d(t, l.p, dropoutRng, observeDropout(l.name)) : t;
        case 'maxpool':
          return maxPool2d(t, l.kernel, l.stride, l.padding);
        case 'shortcutA':
          // On WASM our convs beat TF.js's generic Slice (ops.ts shortcutAByConv).
          return strategy === 'kernel' && tf.getBackend() === 'wasm'
            ? shortcutAByConv(t, l.stride, l.channels)
            : shortcutA(t, l.stride, l.channels);
        default:
          throw new Error(`${l.name}: ${l.op} cannot run inside the stem or a block`);
      }
    };

    /**
     * A row's layers on its input. Both paths start from the input; with no shortcut layers
     * (identity) the addition adds the input itself, and a plain net has no addition at all.
     * Training with our kernels, a BN takes on the ReLU after it, or the block's addition and
     * ReLU (kernels/blockFusion.ts); it then runs at the addition, after the shortcut's layers.
     */
    const walk = (row: Row, input: tf.Tensor4D, norm: Norm): tf.Tensor4D => {
      const fusion = training && kernels === 'cardinal' ? fusionPlans.get(row)! : noFusion;
      let out = input;
      let shortcut = input;
      let deferred: { x: tf.Tensor4D; name: string; relu: boolean } | null = null;
      row.layers.forEach((l, index) => {
        const fused = fusion.get(index);
        if (fused?.op === 'absorbed') return;
        if (fused?.op === 'bn' && fused.addAt !== undefined) {
          deferred = { x: out, name: l.name, relu: fused.relu };
          return;
        }
        if (fused?.op === 'bn') out = norm(out, l.name, { relu: fused.relu });
        else if (l.op === 'add' && deferred) {
          const { x: t, name, relu } = deferred;
          out = norm(t, name, { residual: shortcut, relu });
          deferred = null;
        } else if (l.op === 'add') {
          taps?.add?.(row, out, shortcut);
          out = tf.add(out, shortcut);
        } else if (l.branch === 'shortcut') shortcut = apply(shortcut, l, norm);
        else out = apply(out, l, norm);
        taps?.layer?.(row, index, l.branch === 'shortcut' ? shortcut : out);
      });
      return out;
    };

    let h = walk(plan.stem, x, bn);
    for (const block of plan.blocks) {
      // Blocks hold no random layers (dropout is the stem's), so a recompute is exact.
      const recompute =
        training && model.recompute && !block.layers.some((l) => l.op === 'dropout');
      h = recompute ? checkpointedBlock(block, walk, bn)(h) : walk(block, h, bn);
    }

    const { pool, fc } = plan;
    const pooled =
      pool.op === 'avgpool'
        ? (tf.mean(h, [1, 2]) as tf.Tensor2D)
        : flattenTorch(maxPool2d(h, pool.kernel, pool.stride, pool.padding));
    if (pooled.shape[1] !== fc.inFeatures) {
      throw new Error(
        `the head gives ${pooled.shape[1]} features but fc expects ${fc.inFeatures}: ` +
          `the model was built for ${plan.inputSize}×${plan.inputSize} inputs`,
      );
    }
    return linear(
      pooled,
      weight(fc.name) as tf.Tensor2D,
      params.get(`${fc.name}.bias`) as tf.Tensor1D,
    );
  };

  const model: Model = {
    spec,
    plan,
    params,
    buffers,
    recompute: options.recompute ?? false,
    forward,
    applyBatchNormUpdates: () => applyBatchNormUpdates(pending),
    discardBatchNormUpdates: () => discardBatchNormUpdates(pending),
    pendingBatchNormUpdates: () => pending.length,
    dropoutRngState: () => dropoutRng.state(),
    setDropoutRngState: (state: number) => {
      dropoutRng = createRng(state);
    },
    dispose: () => {
      discardBatchNormUpdates(pending);
      bnLayers.forEach(disposeBatchNorm);
      // BN weights were disposed with their layers; a second dispose would miscount.
      params.forEach((v, name) => {
        if (!bnLayers.has(name.slice(0, name.lastIndexOf('.')))) v.dispose();
      });
      params.clear();
      buffers.clear();
    },
  };
  return model;
}
