// The one walk from an ArchSpec to its layers. analyze() sums it, validate() reads its shapes,
// the width solver counts one block with it: nothing else re-derives shapes. Layer names follow
// torchvision's modules (conv1, bn1, layer1.0.conv2, layer2.0.downsample.0, fc) so that
// counts and names line up with PyTorch state dicts.
//
// Conventions (PyTorch's): output size floor((H + 2p − k) / s) + 1; 3×3 convs pad 1, 7×7 pad 3,
// 1×1 pad 0; the ImageNet stem's max-pool is 3×3, stride 2, pad 1. A conv's multiply-adds are
// its weights × output pixels (bias additions are not multiplies and are not counted).

import type { ArchSpec, BlockKind, StageSpec } from './types';

/** [channels, height, width] of one image's activation. */
export type Shape = [number, number, number];

export type LayerOp =
  | 'conv'
  | 'bn'
  | 'relu'
  | 'dropout'
  | 'maxpool'
  | 'shortcutA'
  | 'add'
  | 'avgpool'
  | 'maxpool4'
  | 'linear';

export interface Layer {
  /** torchvision-style module name, e.g. "layer2.0.downsample.0". */
  name: string;
  op: LayerOp;
  input: Shape;
  output: Shape;
  /** Trainable parameters (conv/linear weights and biases, BN weight and bias). */
  params: number;
  /** Multiply-adds for one image (conv and linear layers only). */
  macs: number;
}

/** What a block's shortcut does: 'none' in plain nets, 'identity' where the shape is kept. */
export type ShortcutUsed = 'identity' | 'A' | 'B' | 'conv3x3' | 'none';

export interface Row {
  /** "stem", "layer{stage}.{index}" as torchvision, or "head". */
  name: string;
  kind: 'stem' | BlockKind | 'head';
  /** 1-based stage number as in layer{stage}; null for the stem and the head. */
  stage: number | null;
  /** 0-based block index within the stage; null for the stem and the head. */
  index: number | null;
  input: Shape;
  output: Shape;
  shortcut: ShortcutUsed;
  /** Main path, then shortcut path, then the addition and the ReLU after it. */
  layers: Layer[];
}

type Step = (input: Shape) => Layer;

const outSize = (size: number, kernel: number, stride: number, padding: number) =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

function conv(
  name: string,
  channels: number,
  kernel: number,
  stride = 1,
  groups = 1,
  bias = false,
): Step {
  return (input) => {
    const padding = (kernel - 1) / 2; // "same" padding for odd kernels: 1×1→0, 3×3→1, 7×7→3
    const output: Shape = [
      channels,
      outSize(input[1], kernel, stride, padding),
      outSize(input[2], kernel, stride, padding),
    ];
    const weights = channels * (input[0] / groups) * kernel * kernel;
    const params = weights + (bias ? channels : 0);
    return { name, op: 'conv', input, output, params, macs: weights * output[1] * output[2] };
  };
}

/** Layers that keep the shape and have no weights (ReLU, dropout, the residual addition). */
const sameShape =
  (name: string, op: LayerOp): Step =>
  (input) => ({ name, op, input, output: input, params: 0, macs: 0 });

const batchNorm =
  (name: string): Step =>
  (input) => ({ name, op: 'bn', input, output: input, params: 2 * input[0], macs: 0 });

const maxPool3x3 =
  (name: string): Step =>
  (input) => ({
    name,
    op: 'maxpool',
    input,
    output: [input[0], outSize(input[1], 3, 2, 1), outSize(input[2], 3, 2, 1)],
    params: 0,
    macs: 0,
  });

/** Option A: take every stride-th pixel, zero-pad the new channels. No weights. */
const shortcutA =
  (name: string, channels: number, stride: number): Step =>
  (input) => ({
    name,
    op: 'shortcutA',
    input,
    output: [channels, outSize(input[1], 1, stride, 0), outSize(input[2], 1, stride, 0)],
    params: 0,
    macs: 0,
  });

function run(input: Shape, steps: Step[]): Layer[] {
  const layers: Layer[] = [];
  let x = input;
  for (const step of steps) {
    const layer = step(x);
    layers.push(layer);
    x = layer.output;
  }
  return layers;
}

type BlockOptions = Pick<ArchSpec, 'residual' | 'reluAfterAdd' | 'convBias'>;

/**
 * One block's layers. The shortcut is a projection (or option A) exactly where torchvision
 * puts its `downsample`: stride ≠ 1 or channels change. A plain net (residual false) has no
 * shortcut and no addition; its block still ends with the ReLU when reluAfterAdd is set, so
 * that the plain net differs from the residual one only by the missing shortcut.
 */
export function blockLayers(
  prefix: string,
  input: Shape,
  stage: StageSpec,
  stride: number,
  options: BlockOptions,
): { layers: Layer[]; shortcut: ShortcutUsed } {
  const out = stage.outChannels;
  const bias = options.convBias;
  const main: Step[] =
    stage.block === 'basic'
      ? [
          conv(`${prefix}.conv1`, out, 3, stride, 1, bias),
          batchNorm(`${prefix}.bn1`),
          sameShape(`${prefix}.relu`, 'relu'),
          conv(`${prefix}.conv2`, out, 3, 1, 1, bias),
          batchNorm(`${prefix}.bn2`),
        ]
      : [
          conv(`${prefix}.conv1`, stage.bottleneckWidth, 1, 1, 1, bias),
          batchNorm(`${prefix}.bn1`),
          sameShape(`${prefix}.relu`, 'relu'),
          conv(`${prefix}.conv2`, stage.bottleneckWidth, 3, stride, stage.cardinality, bias),
          batchNorm(`${prefix}.bn2`),
          sameShape(`${prefix}.relu`, 'relu'),
          conv(`${prefix}.conv3`, out, 1, 1, 1, bias),
          batchNorm(`${prefix}.bn3`),
        ];
  const layers = run(input, main);
  const output = layers[layers.length - 1].output;

  let shortcut: ShortcutUsed = 'none';
  if (options.residual) {
    const changesShape = stride !== 1 || input[0] !== out;
    shortcut = changesShape ? stage.shortcut : 'identity';
    const downsample = `${prefix}.downsample`;
    if (shortcut === 'A') layers.push(...run(input, [shortcutA(downsample, out, stride)]));
    if (shortcut === 'B' || shortcut === 'conv3x3') {
      const kernel = shortcut === 'B' ? 1 : 3;
      const projection = conv(`${downsample}.0`, out, kernel, stride, 1, bias);
      layers.push(...run(input, [projection, batchNorm(`${downsample}.1`)]));
    }
    layers.push(sameShape(`${prefix}.add`, 'add')(output));
  }
  if (options.reluAfterAdd) layers.push(sameShape(`${prefix}.relu`, 'relu')(output));
  return { layers, shortcut };
}

/** Every row of the network: the stem, each block in order, the head. */
export function networkRows(spec: ArchSpec, classes = spec.classes, input = 32): Row[] {
  const imagenet = spec.stem.kind === 'imagenet';
  const stemSteps: Step[] = [
    conv('conv1', spec.stem.channels, imagenet ? 7 : 3, imagenet ? 2 : 1),
    batchNorm('bn1'),
    sameShape('relu', 'relu'),
  ];
  if (spec.stem.dropout > 0) stemSteps.push(sameShape('dropout', 'dropout'));
  if (imagenet) stemSteps.push(maxPool3x3('maxpool'));
  const stem = run([3, input, input], stemSteps);
  const rows: Row[] = [row('stem', 'stem', null, null, stem, 'none')];

  let x = stem[stem.length - 1].output;
  spec.stages.forEach((stage, s) => {
    for (let i = 0; i < stage.blocks; i++) {
      const name = `layer${s + 1}.${i}`;
      const block = blockLayers(name, x, stage, i === 0 ? stage.stride : 1, spec);
      rows.push(row(name, stage.block, s + 1, i, block.layers, block.shortcut));
      x = rows[rows.length - 1].output;
    }
  });

  // 'max4' is the blog's MaxPool2d(4, stride 1): on a 4×4 map it gives 1×1, on larger maps the
  // linear layer sees every remaining position.
  const pooled: Shape =
    spec.head.pool === 'avg'
      ? [x[0], 1, 1]
      : [x[0], outSize(x[1], 4, 1, 0), outSize(x[2], 4, 1, 0)];
  const poolOp = spec.head.pool === 'avg' ? 'avgpool' : 'maxpool4';
  const pool: Layer = { name: poolOp, op: poolOp, input: x, output: pooled, params: 0, macs: 0 };
  const features = pool.output[0] * pool.output[1] * pool.output[2];
  const fc: Layer = {
    name: 'fc',
    op: 'linear',
    input: pool.output,
    output: [classes, 1, 1],
    params: features * classes + classes,
    macs: features * classes,
  };
  rows.push(row('head', 'head', null, null, [pool, fc], 'none'));
  return rows;
}

function row(
  name: string,
  kind: Row['kind'],
  stage: number | null,
  index: number | null,
  layers: Layer[],
  shortcut: ShortcutUsed,
): Row {
  // The last layer is the stem's last, a block's BN / addition / ReLU, or the head's fc.
  const output = layers[layers.length - 1].output;
  return { name, kind, stage, index, input: layers[0].input, output, shortcut, layers };
}
