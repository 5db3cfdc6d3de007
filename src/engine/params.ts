// The layer plan of a spec: every conv, batch norm and the fc with torchvision's names, TF
// shapes and init rule, in torchvision's registration order (= named_parameters() order). The
// model builds its variables and runs its forward pass from this plan, and tests count
// parameters from it without allocating anything. Also the TF ⇄ PyTorch layout conversions.

import * as tf from '@tensorflow/tfjs';
import type { ArchSpec, BlockKind, ShortcutKind } from '../spec/types';

export interface ConvPlan {
  /** Module name, e.g. "conv1", "layer2.0.conv2", "layer2.0.downsample.0". */
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** Symmetric padding, PyTorch's `padding`. */
  pad: number;
  groups: number;
  bias: boolean;
}

export interface BnPlan {
  /** Module name, e.g. "bn1", "layer2.0.bn1", "layer2.0.downsample.1". */
  name: string;
  channels: number;
}

export type ShortcutPlan =
  | { kind: 'none' } // spec.residual = false
  | { kind: 'identity' }
  | { kind: 'A'; stride: number; outChannels: number }
  | { kind: 'conv'; conv: ConvPlan; bn: BnPlan }; // 'B' (1×1) and 'conv3x3' (3×3 pad 1)

export interface BlockPlan {
  /** "layer{s}.{i}", s from 1. */
  name: string;
  kind: BlockKind;
  /** conv1, conv2 (, conv3), each followed by the batch norm of the same index. */
  convs: ConvPlan[];
  bns: BnPlan[];
  shortcut: ShortcutPlan;
  reluAfterAdd: boolean;
  /** Spatial size of the block's output for the plan's input size. */
  outSize: number;
}

export interface ModelPlan {
  inputSize: number;
  stem: {
    kind: 'cifar' | 'imagenet';
    conv: ConvPlan;
    bn: BnPlan;
    dropout: number;
    /** After the stem (and its max-pool, for the ImageNet stem). */
    outSize: number;
  };
  blocks: BlockPlan[];
  head: {
    pool: 'avg' | 'max4';
    channels: number;
    /** Spatial size after pooling: 1 for avg, map size − 3 for max4. */
    pooledSize: number;
  };
  fc: { name: 'fc'; inFeatures: number; outFeatures: number };
}

/** floor((size + 2·pad − kernel) / stride) + 1, as PyTorch's conv and pool. */
export function convOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/**
 * The plan for `spec` on square inputs of `inputSize` pixels (32 for CIFAR). Only the 'max4'
 * head depends on the input size (its fc sees C·(s−3)² features). Throws on specs that
 * cannot be built; validate() explains problems to users, this only guards the engine.
 */
export function planModel(spec: ArchSpec, inputSize = 32): ModelPlan {
  const imagenet = spec.stem.kind === 'imagenet';
  const stemConv: ConvPlan = {
    name: 'conv1',
    inChannels: 3,
    outChannels: spec.stem.channels,
    kernel: imagenet ? 7 : 3,
    stride: imagenet ? 2 : 1,
    pad: imagenet ? 3 : 1,
    groups: 1,
    bias: false, // the stem conv never has one (types.ts)
  };
  let size = convOutSize(inputSize, stemConv.kernel, stemConv.stride, stemConv.pad);
  if (imagenet) size = convOutSize(size, 3, 2, 1);
  const stemSize = size;

  const blocks: BlockPlan[] = [];
  let channels = spec.stem.channels;
  spec.stages.forEach((stage, s) => {
    for (let i = 0; i < stage.blocks; i++) {
      const name = `layer${s + 1}.${i}`;
      const stride = i === 0 ? stage.stride : 1;
      const out = stage.outChannels;
      const conv = (
        n: number,
        inC: number,
        outC: number,
        kernel: number,
        st: number,
        groups = 1,
      ): ConvPlan => ({
        name: `${name}.conv${n}`,
        inChannels: inC,
        outChannels: outC,
        kernel,
        stride: st,
        pad: kernel === 3 ? 1 : 0,
        groups,
        bias: spec.convBias,
      });
      let convs: ConvPlan[];
      if (stage.block === 'basic') {
        convs = [conv(1, channels, out, 3, stride), conv(2, out, out, 3, 1)];
      } else {
        const width = stage.bottleneckWidth;
        if (width % stage.cardinality !== 0) {
          throw new Error(`${name}: width ${width} is not divisible by ${stage.cardinality}`);
        }
        // torchvision v1.5: the stride sits on the grouped 3×3, not on the first 1×1.
        convs = [
          conv(1, channels, width, 1, 1),
          conv(2, width, width, 3, stride, stage.cardinality),
          conv(3, width, out, 1, 1),
        ];
      }
      size = convOutSize(size, 3, stride, 1);
      const reshapes = stride !== 1 || channels !== out;
      blocks.push({
        name,
        kind: stage.block,
        convs,
        bns: convs.map((c, k) => ({ name: `${name}.bn${k + 1}`, channels: c.outChannels })),
        shortcut: !spec.residual
          ? { kind: 'none' }
          : !reshapes
            ? { kind: 'identity' }
            : shortcutPlan(stage.shortcut, name, channels, out, stride, spec.convBias),
        reluAfterAdd: spec.reluAfterAdd,
        outSize: size,
      });
      channels = out;
    }
  });

  let pooledSize = 1;
  if (spec.head.pool === 'max4') {
    if (size < 4) throw new Error(`the 4×4 max-pool head needs a map of 4×4 or more, got ${size}`);
    pooledSize = size - 3;
  }
  return {
    inputSize,
    stem: {
      kind: spec.stem.kind,
      conv: stemConv,
      bn: { name: 'bn1', channels: spec.stem.channels },
      dropout: spec.stem.dropout,
      outSize: stemSize,
    },
    blocks,
    head: { pool: spec.head.pool, channels, pooledSize },
    fc: { name: 'fc', inFeatures: channels * pooledSize * pooledSize, outFeatures: spec.classes },
  };
}

function shortcutPlan(
  kind: ShortcutKind,
  block: string,
  inC: number,
  outC: number,
  stride: number,
  bias: boolean,
): ShortcutPlan {
  if (kind === 'A') {
    if (outC < inC) throw new Error(`${block}: option-A shortcut cannot reduce channels`);
    return { kind: 'A', stride, outChannels: outC };
  }
  const k = kind === 'B' ? 1 : 3;
  return {
    kind: 'conv',
    conv: {
      name: `${block}.downsample.0`,
      inChannels: inC,
      outChannels: outC,
      kernel: k,
      stride,
      pad: k === 3 ? 1 : 0,
      groups: 1,
      bias,
    },
    bn: { name: `${block}.downsample.1`, channels: outC },
  };
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

function convParams(c: ConvPlan): ParamInfo[] {
  const perGroup = c.inChannels / c.groups;
  const out: ParamInfo[] = [
    {
      name: `${c.name}.weight`,
      shape: [c.kernel, c.kernel, perGroup, c.outChannels],
      init: { kind: 'kaimingNormalFanOut', fanOut: c.outChannels * c.kernel * c.kernel },
    },
  ];
  if (c.bias) {
    out.push({
      name: `${c.name}.bias`,
      shape: [c.outChannels],
      init: { kind: 'uniformFanIn', fanIn: perGroup * c.kernel * c.kernel },
    });
  }
  return out;
}

function bnParams(b: BnPlan): ParamInfo[] {
  return [
    { name: `${b.name}.weight`, shape: [b.channels], init: { kind: 'ones' } },
    { name: `${b.name}.bias`, shape: [b.channels], init: { kind: 'zeros' } },
  ];
}

/** Every conv and batch norm of the plan with its module name, in registration order. */
export function planLayers(plan: ModelPlan): ({ conv: ConvPlan } | { bn: BnPlan })[] {
  const layers: ({ conv: ConvPlan } | { bn: BnPlan })[] = [
    { conv: plan.stem.conv },
    { bn: plan.stem.bn },
  ];
  for (const b of plan.blocks) {
    b.convs.forEach((conv, k) => layers.push({ conv }, { bn: b.bns[k] }));
    if (b.shortcut.kind === 'conv') layers.push({ conv: b.shortcut.conv }, { bn: b.shortcut.bn });
  }
  return layers;
}

/** The trainable parameters in torchvision's named_parameters() order. */
export function paramInfos(plan: ModelPlan): ParamInfo[] {
  const out = planLayers(plan).flatMap((l) => ('conv' in l ? convParams(l.conv) : bnParams(l.bn)));
  const { inFeatures, outFeatures } = plan.fc;
  out.push(
    {
      name: 'fc.weight',
      shape: [inFeatures, outFeatures],
      init: { kind: 'uniformFanIn', fanIn: inFeatures },
    },
    { name: 'fc.bias', shape: [outFeatures], init: { kind: 'uniformFanIn', fanIn: inFeatures } },
  );
  return out;
}

/** The batch-norm buffers in torchvision's order (num_batches_tracked: int64 in PyTorch). */
export function bufferInfos(plan: ModelPlan): BufferInfo[] {
  return planLayers(plan).flatMap((l) =>
    'bn' in l
      ? [
          { name: `${l.bn.name}.running_mean`, shape: [l.bn.channels], dtype: 'float32' as const },
          { name: `${l.bn.name}.running_var`, shape: [l.bn.channels], dtype: 'float32' as const },
          { name: `${l.bn.name}.num_batches_tracked`, shape: [], dtype: 'int32' as const },
        ]
      : [],
  );
}

export function countParams(plan: ModelPlan): number {
  return paramInfos(plan).reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
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
