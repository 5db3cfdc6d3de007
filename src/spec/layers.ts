// The one walk from an ArchSpec to its layers. analyze() sums it, validate() reads its shapes,
// the width solver counts one block with it, and the engine builds and runs the model from it
// (engine/params.ts): nothing else re-derives shapes, strides or shortcuts. Layer names follow
// torchvision's modules (conv1, bn1, layer1.0.conv2, layer2.0.downsample.0, fc) and each layer
// carries its PyTorch constructor arguments, so counts, names and the order of the layers (=
// named_parameters() order) line up with PyTorch state dicts.
//
// Conventions (PyTorch's): output size floor((H + 2p − k) / s) + 1; 3×3 convs pad 1, 7×7 pad 3,
// 1×1 pad 0; the ImageNet stem's max-pool is 3×3, stride 2, pad 1. A conv's multiply-adds are
// its weights × output pixels (bias additions are not multiplies and are not counted).

import type { ArchSpec, BlockKind, StageSpec } from './types';

/** [channels, height, width] of one image's activation. */
export type Shape = [number, number, number];

interface LayerBase {
  /** torchvision-style module name, e.g. "layer2.0.downsample.0". */
  name: string;
  input: Shape;
  output: Shape;
  /** Trainable parameters (conv/linear weights and biases, BN weight and bias). */
  params: number;
  /** Multiply-adds for one image (conv and linear layers only). */
  macs: number;
  /**
   * 'shortcut': a block's shortcut path (torchvision's `downsample`), which starts again from
   * the block's input; the block's 'add' then sums the two paths. Everything else is 'main'.
   */
  branch: 'main' | 'shortcut';
}

/** nn.Conv2d: square kernel, symmetric padding. */
export interface ConvLayer extends LayerBase {
  op: 'conv';
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  groups: number;
  bias: boolean;
}

/** nn.BatchNorm2d(channels). */
export type BnLayer = LayerBase & { op: 'bn'; channels: number };

/** nn.Dropout2d(p): whole channels, in training only. */
export type DropoutLayer = LayerBase & { op: 'dropout'; p: number };

/** nn.MaxPool2d(kernel, stride, padding): the ImageNet stem's, or the 'max4' head's. */
export interface MaxPoolLayer extends LayerBase {
  op: 'maxpool' | 'maxpool4';
  kernel: number;
  stride: number;
  padding: number;
}

/** Option A: take every stride-th pixel, zero-pad up to `channels`. No weights. */
export type ShortcutALayer = LayerBase & { op: 'shortcutA'; stride: number; channels: number };

/** nn.Linear(inFeatures, outFeatures) on the flattened pooled map. */
export type LinearLayer = LayerBase & { op: 'linear'; inFeatures: number; outFeatures: number };

/** Layers that keep the shape and have no settings; 'avgpool' is the global one (1×1 out). */
export type PlainLayer = LayerBase & { op: 'relu' | 'add' | 'avgpool' };

export type Layer =
  ConvLayer | BnLayer | DropoutLayer | MaxPoolLayer | ShortcutALayer | LinearLayer | PlainLayer;

export type LayerOp = Layer['op'];

/** The head's pooling layer. */
export type HeadPoolLayer = (MaxPoolLayer & { op: 'maxpool4' }) | (PlainLayer & { op: 'avgpool' });

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

/** [channels, H', W'] after a conv's or pool's window: floor((H + 2p − k) / s) + 1. */
function slide(input: Shape, channels: number, k: number, s: number, p: number): Shape {
  const size = (n: number) => Math.floor((n + 2 * p - k) / s) + 1;
  return [channels, size(input[1]), size(input[2])];
}

/** The fields every layer has; a step's layer is on the main path until run() says otherwise. */
const base = (name: string, input: Shape, output: Shape, params = 0, macs = 0) => ({
  name,
  input,
  output,
  params,
  macs,
  branch: 'main' as const,
});

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
    const output = slide(input, channels, kernel, stride, padding);
    const weights = channels * (input[0] / groups) * kernel * kernel;
    const params = weights + (bias ? channels : 0);
    return {
      ...base(name, input, output, params, weights * output[1] * output[2]),
      op: 'conv',
      inChannels: input[0],
      outChannels: channels,
      kernel,
      stride,
      padding,
      groups,
      bias,
    };
  };
}

/** Layers that keep the shape and have no weights (ReLU, the residual addition). */
const sameShape =
  (name: string, op: 'relu' | 'add'): Step =>
  (input) => ({ ...base(name, input, input), op });

const dropout =
  (name: string, p: number): Step =>
  (input) => ({ ...base(name, input, input), op: 'dropout', p });

const batchNorm =
  (name: string): Step =>
  (input) => ({ ...base(name, input, input, 2 * input[0]), op: 'bn', channels: input[0] });

const maxPool =
  (name: string, op: MaxPoolLayer['op'], kernel: number, stride: number, padding: number): Step =>
  (input) => {
    const output = slide(input, input[0], kernel, stride, padding);
    return { ...base(name, input, output), op, kernel, stride, padding };
  };

/** Option A keeps every stride-th pixel: a 1×1 stride-s window, ceil(H / s) positions. */
const shortcutA =
  (name: string, channels: number, stride: number): Step =>
  (input) => ({
    ...base(name, input, slide(input, channels, 1, stride, 0)),
    op: 'shortcutA',
    stride,
    channels,
  });

const globalAvgPool: Step = (input) => ({
  ...base('avgpool', input, [input[0], 1, 1]),
  op: 'avgpool',
});

/** nn.Linear on torch.flatten(x, 1): every remaining position of every channel is a feature. */
const linear =
  (name: string, classes: number): Step =>
  (input) => {
    const features = input[0] * input[1] * input[2];
    const [params, macs] = [features * classes + classes, features * classes];
    return {
      ...base(name, input, [classes, 1, 1], params, macs),
      op: 'linear',
      inFeatures: features,
      outFeatures: classes,
    };
  };

function run(input: Shape, steps: Step[], branch: Layer['branch'] = 'main'): Layer[] {
  const layers: Layer[] = [];
  let x = input;
  for (const step of steps) {
    const layer = { ...step(x), branch };
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
    if (shortcut === 'A') {
      layers.push(...run(input, [shortcutA(downsample, out, stride)], 'shortcut'));
    }
    if (shortcut === 'B' || shortcut === 'conv3x3') {
      const kernel = shortcut === 'B' ? 1 : 3;
      const projection = conv(`${downsample}.0`, out, kernel, stride, 1, bias);
      layers.push(...run(input, [projection, batchNorm(`${downsample}.1`)], 'shortcut'));
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
  if (spec.stem.dropout > 0) stemSteps.push(dropout('dropout', spec.stem.dropout));
  if (imagenet) stemSteps.push(maxPool('maxpool', 'maxpool', 3, 2, 1));
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
  const pool = spec.head.pool === 'avg' ? globalAvgPool : maxPool('maxpool4', 'maxpool4', 4, 1, 0);
  rows.push(row('head', 'head', null, null, run(x, [pool, linear('fc', classes)]), 'none'));
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
