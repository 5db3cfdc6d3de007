// The engine's view of a spec. Names, shapes, kernels, strides, padding, groups and which
// shortcut a block takes all come from the one layer walk (spec/layers.ts); this file only
// refuses what the engine cannot build and adds what PyTorch's modules know but the walk need
// not: each parameter's TF shape and init rule in named_parameters() order, the batch-norm
// buffers, and the TF ⇄ PyTorch layout conversions.

import * as tf from '@tensorflow/tfjs';
import {
  networkRows,
  type HeadPoolLayer,
  type Layer,
  type LinearLayer,
  type Row,
} from '../spec/layers';
import type { ArchSpec } from '../spec/types';

export interface ModelPlan {
  inputSize: number;
  /** conv1, bn1, relu (, dropout) (, maxpool). */
  stem: Row;
  /** "layer{s}.{i}" in order; each lists its main path, its shortcut path, add and ReLU. */
  blocks: Row[];
  pool: HeadPoolLayer;
  fc: LinearLayer;
}

/**
 * The spec walk for square inputs of `inputSize` pixels (32 for CIFAR); only the 'max4' head
 * depends on it (its fc sees C·(s−3)² features). Throws on specs that cannot be built;
 * validate() explains problems to users, this only guards the engine.
 */
export function planModel(spec: ArchSpec, inputSize = 32): ModelPlan {
  const rows = networkRows(spec, spec.classes, inputSize);
  rows.forEach((row) => row.layers.forEach(checkBuildable));
  const [pool, fc] = rows[rows.length - 1].layers;
  const isPool = (l: Layer): l is HeadPoolLayer => l.op === 'avgpool' || l.op === 'maxpool4';
  if (!isPool(pool) || fc.op !== 'linear') {
    throw new Error(`the head must be a pool and fc, got ${pool.op} and ${fc.op}`);
  }
  return { inputSize, stem: rows[0], blocks: rows.slice(1, -1), pool, fc };
}

function checkBuildable(layer: Layer): void {
  const [c, h, w] = layer.output;
  if (layer.op === 'conv' && (layer.inChannels % layer.groups !== 0 || c % layer.groups !== 0)) {
    const channels = `${layer.inChannels} → ${c} channels`;
    throw new Error(`${layer.name}: ${channels} are not divisible by ${layer.groups} groups`);
  }
  if (layer.op === 'shortcutA' && c < layer.input[0]) {
    throw new Error(`${layer.name}: option-A shortcut cannot reduce channels`);
  }
  if (layer.op === 'maxpool4' && (h < 1 || w < 1)) {
    const size = `${layer.input[1]}×${layer.input[2]}`;
    throw new Error(`the 4×4 max-pool head needs a map of 4×4 or more, got ${size}`);
  }
  if (h < 1 || w < 1) throw new Error(`${layer.name}: the feature map shrinks to nothing`);
}

/** Every layer of the plan in order: its convs, batch norms and fc in registration order. */
export function planLayers(plan: ModelPlan): Layer[] {
  return [plan.stem, ...plan.blocks].flatMap((row) => row.layers).concat(plan.pool, plan.fc);
}

/** How a trainable tensor starts (torchvision's ResNet init + PyTorch's defaults). */
export type InitRule =
  /** Conv weight: N(0, 2 / (out·kh·kw)), fan_out NOT divided by groups (as PyTorch). */
  | { kind: 'kaimingNormalFanOut'; fanOut: number }
  /** Linear weight and bias, conv bias: U(−1/√fanIn, 1/√fanIn), PyTorch's default. */
  | { kind: 'uniformFanIn'; fanIn: number }
  | { kind: 'ones' }
  | { kind: 'zeros' };

export interface ParamInfo {
  /** torchvision's state_dict key. */
  name: string;
  /** TF layout: conv [kh, kw, in/groups, out], linear [in, out], vectors [n]. */
  shape: number[];
  init: InitRule;
}

export interface BufferInfo {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** A layer's parameters as PyTorch registers them: weight, then bias. */
function layerParams(l: Layer): ParamInfo[] {
  switch (l.op) {
    case 'conv': {
      const perGroup = l.inChannels / l.groups;
      const weight: ParamInfo = {
        name: `${l.name}.weight`,
        shape: [l.kernel, l.kernel, perGroup, l.outChannels],
        init: { kind: 'kaimingNormalFanOut', fanOut: l.outChannels * l.kernel * l.kernel },
      };
      if (!l.bias) return [weight];
      const init: InitRule = { kind: 'uniformFanIn', fanIn: perGroup * l.kernel * l.kernel };
      return [weight, { name: `${l.name}.bias`, shape: [l.outChannels], init }];
    }
    case 'bn':
      return [
        { name: `${l.name}.weight`, shape: [l.channels], init: { kind: 'ones' } },
        { name: `${l.name}.bias`, shape: [l.channels], init: { kind: 'zeros' } },
      ];
    case 'linear': {
      const init: InitRule = { kind: 'uniformFanIn', fanIn: l.inFeatures };
      return [
        { name: `${l.name}.weight`, shape: [l.inFeatures, l.outFeatures], init },
        { name: `${l.name}.bias`, shape: [l.outFeatures], init },
      ];
    }
    default:
      return []; // ReLU, pools, dropout, option A, the addition: no parameters
  }
}

/** The trainable parameters in torchvision's named_parameters() order. */
export function paramInfos(plan: ModelPlan): ParamInfo[] {
  return planLayers(plan).flatMap(layerParams);
}

/** The batch-norm buffers in torchvision's order (num_batches_tracked: int64 in PyTorch). */
export function bufferInfos(plan: ModelPlan): BufferInfo[] {
  return planLayers(plan).flatMap((l) =>
    l.op === 'bn'
      ? [
          { name: `${l.name}.running_mean`, shape: [l.channels], dtype: 'float32' as const },
          { name: `${l.name}.running_var`, shape: [l.channels], dtype: 'float32' as const },
          { name: `${l.name}.num_batches_tracked`, shape: [], dtype: 'int32' as const },
        ]
      : [],
  );
}

// ---- TF ⇄ PyTorch layouts -------------------------------------------------------------------
// Conv weights: TF [kh, kw, in/groups, out] ⇄ PyTorch [out, in/groups, kh, kw].
// Linear weight: TF [in, out] ⇄ PyTorch [out, in]. Everything else (biases, BN tensors,
// num_batches_tracked) has the same layout in both. Only `*.weight` tensors of rank 4 or 2
// move: batch-norm weights are rank 1.

const TO_TORCH: Record<number, number[]> = { 4: [3, 2, 0, 1], 2: [1, 0] };
const FROM_TORCH: Record<number, number[]> = { 4: [2, 3, 1, 0], 2: [1, 0] };

function permutationFor(name: string, rank: number, table: Record<number, number[]>) {
  return name.endsWith('.weight') ? table[rank] : undefined;
}

/** The shape `name` has in PyTorch, given its TF shape. */
export function torchShape(name: string, tfShape: number[]): number[] {
  const perm = permutationFor(name, tfShape.length, TO_TORCH);
  return perm ? perm.map((i) => tfShape[i]) : [...tfShape];
}

/** A new tensor in PyTorch's layout (the caller disposes it). */
export function toTorchLayout(name: string, t: tf.Tensor): tf.Tensor {
  const perm = permutationFor(name, t.rank, TO_TORCH);
  return perm ? tf.transpose(t, perm) : tf.clone(t);
}

/** A new tensor in TF's layout from one in PyTorch's (the caller disposes it). */
export function fromTorchLayout(name: string, t: tf.Tensor): tf.Tensor {
  const perm = permutationFor(name, t.rank, FROM_TORCH);
  return perm ? tf.transpose(t, perm) : tf.clone(t);
}
