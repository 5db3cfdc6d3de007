// Named architectures, each traced to the reference it reproduces (see /shared/reference):
// the CIFAR ResNets of He et al. (option-A shortcuts), torchvision's ResNets patched for 32×32
// as in the CIFAR ResNet factory notebook, the ResNeXt paper's CIFAR ResNeXt-29s, torchvision's
// ImageNet-stem ResNeXts, and the networks of the three notebooks/blog. Presets are frozen:
// copy one (presetSpec) before editing it.

import { deepFreeze } from './frozen';
import type { ArchSpec, ShortcutKind, StageSpec, StemSpec } from './types';

export type PresetGroup = 'tiny' | 'cifar-resnet' | 'imagenet-resnet' | 'resnext' | 'notebook';

export interface Preset {
  spec: ArchSpec;
  group: PresetGroup;
  /** One line: where the architecture comes from. */
  description: string;
}

const cifarStem = (channels: number, dropout = 0): StemSpec => ({
  kind: 'cifar',
  channels,
  dropout,
});
const imagenetStem: StemSpec = { kind: 'imagenet', channels: 64, dropout: 0 };

/** Basic blocks have no separate inner width: bottleneckWidth mirrors outChannels, C = 1. */
export const basicStage = (
  blocks: number,
  channels: number,
  stride: number,
  shortcut: ShortcutKind = 'A',
) =>
  ({
    blocks,
    block: 'basic',
    outChannels: channels,
    bottleneckWidth: channels,
    cardinality: 1,
    stride,
    shortcut,
  }) satisfies StageSpec;

/** width = cardinality × d, the channels of the grouped 3×3 conv. */
export const bottleneckStage = (
  blocks: number,
  outChannels: number,
  width: number,
  cardinality: number,
  stride: number,
  shortcut: ShortcutKind = 'B',
) =>
  ({
    blocks,
    block: 'bottleneck',
    outChannels,
    bottleneckWidth: width,
    cardinality,
    stride,
    shortcut,
  }) satisfies StageSpec;

function net(stem: StemSpec, stages: StageSpec[], overrides: Partial<ArchSpec> = {}): ArchSpec {
  return {
    stem,
    stages,
    head: { pool: 'avg' },
    classes: 10,
    residual: true,
    reluAfterAdd: true,
    convBias: false,
    ...overrides,
  };
}

/** He et al. §4.2: 6n + 2 layers, stages of 16/32/64 channels, option-A shortcuts. */
function cifarResNet(depth: number): ArchSpec {
  const n = (depth - 2) / 6;
  return net(cifarStem(16), [
    basicStage(n, 16, 1, 'A'),
    basicStage(n, 32, 2, 'A'),
    basicStage(n, 64, 2, 'A'),
  ]);
}

const STRIDES = [1, 2, 2, 2];

/** torchvision's resnet18…152 with the factory's 3×3 stem and no max-pool. */
function torchvisionResNet(blocks: number[], kind: 'basic' | 'bottleneck'): ArchSpec {
  const stages = blocks.map((n, i) =>
    kind === 'basic'
      ? basicStage(n, 64 << i, STRIDES[i], 'B')
      : bottleneckStage(n, 256 << i, 64 << i, 1, STRIDES[i]),
  );
  return net(cifarStem(64), stages);
}

/** ResNeXt paper §5.2 (CIFAR): 3 stages × 3 blocks, width C·d doubling per stage. */
function resnext29(cardinality: number, d: number): ArchSpec {
  const stages = [0, 1, 2].map((i) =>
    bottleneckStage(3, 256 << i, (cardinality * d) << i, cardinality, STRIDES[i]),
  );
  return net(cifarStem(64), stages);
}

/** torchvision's resnext*_32x4d layout: ImageNet stem, width 128 << i, out 256 << i. */
function imagenetResNeXt(blocks: number[], width: (i: number) => number): ArchSpec['stages'] {
  return blocks.map((n, i) => bottleneckStage(n, 256 << i, width(i), 32, STRIDES[i]));
}

function plain(spec: ArchSpec): ArchSpec {
  return { ...spec, residual: false };
}

const cifarDescription = (depth: number) =>
  `CIFAR ResNet-${depth} (He et al. 2015, §4.2; factory notebook): 3×${(depth - 2) / 6} basic blocks, option-A shortcuts`;

export const PRESETS: Record<string, Preset> = deepFreeze({
  resnet8: { spec: cifarResNet(8), group: 'tiny', description: cifarDescription(8) },
  resnet14: { spec: cifarResNet(14), group: 'tiny', description: cifarDescription(14) },
  // ResNeXt-29's layout cut to one block per stage and a quarter of its widths: the smallest
  // grouped network worth looking inside.
  resnext11_4x16d: {
    spec: net(
      cifarStem(32),
      [0, 1, 2].map((i) => bottleneckStage(1, 64 << i, 64 << i, 4, STRIDES[i])),
    ),
    group: 'tiny',
    description: 'Tiny ResNeXt: 3 stages × 1 grouped bottleneck, C = 4, width 64/128/256',
  },
  // The cardinality study's default template. Two blocks per stage, because a stage's first
  // block (new channels, stride) is not what the fixed-complexity solver matches: with one block
  // per stage C = 1…32 drift up to 12% apart; with two, under 5% (study.test.ts).
  resnext20_4x16d: {
    spec: net(
      cifarStem(32),
      [0, 1, 2].map((i) => bottleneckStage(2, 64 << i, 64 << i, 4, STRIDES[i])),
    ),
    group: 'tiny',
    description:
      'Small ResNeXt: 3 stages × 2 grouped bottlenecks, C = 4, width 64/128/256: the cardinality study’s template',
  },
  ...Object.fromEntries(
    [20, 32, 44, 56, 110, 1202].map((depth) => [
      `resnet${depth}`,
      { spec: cifarResNet(depth), group: 'cifar-resnet', description: cifarDescription(depth) },
    ]),
  ),
  plain20: {
    spec: plain(cifarResNet(20)),
    group: 'cifar-resnet',
    description: 'ResNet-20 without shortcuts: the 20-layer plain net of He et al. Fig. 6',
  },
  plain56: {
    spec: plain(cifarResNet(56)),
    group: 'cifar-resnet',
    description:
      'ResNet-56 without shortcuts: the 56-layer plain net that trains worse than plain20',
  },
  resnet18: {
    spec: torchvisionResNet([2, 2, 2, 2], 'basic'),
    group: 'imagenet-resnet',
    description: 'torchvision resnet18 patched for 32×32 (3×3 stem, no max-pool), factory notebook',
  },
  resnet34: {
    spec: torchvisionResNet([3, 4, 6, 3], 'basic'),
    group: 'imagenet-resnet',
    description: 'torchvision resnet34 patched for 32×32 (3×3 stem, no max-pool), factory notebook',
  },
  resnet50: {
    spec: torchvisionResNet([3, 4, 6, 3], 'bottleneck'),
    group: 'imagenet-resnet',
    description: 'torchvision resnet50 (v1.5) patched for 32×32, factory notebook',
  },
  resnet101: {
    spec: torchvisionResNet([3, 4, 23, 3], 'bottleneck'),
    group: 'imagenet-resnet',
    description: 'torchvision resnet101 (v1.5) patched for 32×32, factory notebook',
  },
  resnet152: {
    spec: torchvisionResNet([3, 8, 36, 3], 'bottleneck'),
    group: 'imagenet-resnet',
    description: 'torchvision resnet152 (v1.5) patched for 32×32, factory notebook',
  },
  resnext29_8x64d: {
    spec: resnext29(8, 64),
    group: 'resnext',
    description: 'ResNeXt-29 8×64d, ResNeXt paper (Xie et al. 2017) CIFAR model, ≈34.4M params',
  },
  resnext29_16x64d: {
    spec: resnext29(16, 64),
    group: 'resnext',
    description: 'ResNeXt-29 16×64d, ResNeXt paper (Xie et al. 2017) CIFAR model, ≈68.1M params',
  },
  resnext29_32x4d: {
    spec: resnext29(32, 4),
    group: 'resnext',
    description: 'ResNeXt-29 32×4d, the ResNeXt paper CIFAR layout at 32 paths of width 4',
  },
  resnext50_32x4d: {
    spec: net(
      imagenetStem,
      imagenetResNeXt([3, 4, 6, 3], (i) => 128 << i),
    ),
    group: 'resnext',
    description: 'torchvision resnext50_32x4d as is (7×7/2 stem + max-pool)',
  },
  resnext101_32x4d: {
    spec: net(
      imagenetStem,
      imagenetResNeXt([3, 4, 23, 3], (i) => 128 << i),
    ),
    group: 'resnext',
    description: 'ResNeXt-101 32×4d of the ResNeXt paper, laid out as torchvision (7×7/2 stem)',
  },
  notebook_resnext: {
    spec: net(
      cifarStem(64),
      [0, 1, 2].map((i) => bottleneckStage(3, 64 << i, 64 << i, 8, STRIDES[i])),
      { classes: 100 },
    ),
    group: 'notebook',
    description:
      'ResNeXt CIFAR-100 notebook: 3×3 blocks, C = 8, width 64/128/256 (70.25% in 40 epochs)',
  },
  notebook_resnext50: {
    // bottleneck = out / 4 with C = 32 (so d = 2, 4, 8, 16); every block conv keeps
    // PyTorch's default bias=True, the stem conv has bias=False.
    spec: net(
      imagenetStem,
      imagenetResNeXt([3, 4, 6, 3], (i) => 64 << i),
      { convBias: true },
    ),
    group: 'notebook',
    description:
      'ResNeXt-50 CIFAR-10 notebook: ImageNet stem, C = 32, bottleneck = out/4, conv biases',
  },
  notebook_cifar100_resnet: {
    // The blog projects (3×3 conv + BN) whenever stride ≠ 1 or channels change: here that is
    // the first block of stages 2–4 (stage 1 keeps 32 channels at stride 1).
    spec: net(
      cifarStem(32, 0.02),
      [2, 4, 4, 2].map((n, i) => basicStage(n, 32 << i, STRIDES[i], 'conv3x3')),
      { head: { pool: 'max4' }, classes: 100, reluAfterAdd: false },
    ),
    group: 'notebook',
    description:
      'CIFAR-100 ResNet blog: dropout stem, 3×3-conv shortcuts, no ReLU after add, 4×4 max-pool head',
  },
});

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A fresh, editable copy of a preset's spec (undefined for an unknown name). */
export function presetSpec(name: string): ArchSpec | undefined {
  return Object.hasOwn(PRESETS, name) ? structuredClone(PRESETS[name].spec) : undefined;
}

/** The same network without shortcuts, for the degradation demos (plain vs residual). */
export function plainVersion(spec: ArchSpec): ArchSpec {
  return plain(structuredClone(spec));
}
