// The "inside views" of a network for one image: the stem's filters as RGB tiles, the feature
// maps after the stem and after each stage, the top predictions, how much each block changes
// its input, and how active each of a grouped block's C paths is. One eval forward with taps
// (model.ts's own layer walk, running BN statistics), every number read back in one transfer.
import * as tf from '@tensorflow/tfjs';
import type { Layer, Row, Shape } from '../spec/layers';
import type { Model } from './model';

/** The stem conv's filters: `count` tiles of kernel × kernel RGB pixels. */
export interface FilterTiles {
  count: number;
  kernel: number;
  /** Tile after tile, each rows top to bottom, pixels R, G, B (count · kernel² · 3 bytes). */
  rgb: Uint8Array;
}

/** The most active channels of one activation, each as a grayscale map. */
export interface FeatureMaps {
  /** "stem" or the stage's torchvision name, "layer1" … */
  name: string;
  /** [channels, height, width] of the whole activation. */
  shape: Shape;
  /** The channels shown, most active (highest mean activation) first. */
  channels: number[];
  /** Their mean activations, in the same order. */
  means: number[];
  /** channels.length maps of height × width bytes, rows top to bottom. */
  maps: Uint8Array;
}

export interface Prediction {
  classIndex: number;
  probability: number;
}

/** How much a block changes its input: the size of what it adds against what it adds it to. */
export interface BlockMagnitude {
  /** torchvision's name, "layer2.0". */
  name: string;
  /** RMS of the residual branch's output (the last BN of the main path), over the image. */
  branchRms: number;
  /** RMS of the shortcut's output at the addition; null in a plain net (no shortcut). */
  shortcutRms: number | null;
  /** branchRms / shortcutRms; null in a plain net. */
  ratio: number | null;
}

/** A grouped block's C paths: mean |activation| of each after the grouped conv's BN + ReLU. */
export interface PathActivity {
  name: string;
  cardinality: number;
  activity: number[];
}

export interface InsideView {
  filters: FilterTiles;
  featureMaps: FeatureMaps[];
  predictions: Prediction[];
  blocks: BlockMagnitude[];
  paths: PathActivity[];
}

export interface InspectOptions {
  /** Channels shown per feature map (default 16). */
  maxChannels?: number;
  /** Predictions listed (default 5). */
  topK?: number;
}

/**
 * The inside views of `model` for one normalised image x [1, H, W, 3]. The forward and all
 * device work happen synchronously in this call, before its first await: a caller that owns
 * the model between two training steps can hand it back as soon as this returns its promise.
 */
export async function inspectModel(
  model: Model,
  x: tf.Tensor4D,
  options: InspectOptions = {},
): Promise<InsideView> {
  if (x.shape[0] !== 1) throw new Error(`inspect one image at a time, got ${x.shape[0]}`);
  const reads = new ReadBack();
  const plan = model.plan;
  const stageEnds = stageEndRows(plan.stem, plan.blocks);
  const branchEnd = new Map(plan.blocks.map((b) => [b.name, lastMainBatchNorm(b.layers)]));
  const pathLayer = new Map(plan.blocks.flatMap((b) => groupedActivation(b.layers, b.name)));

  const featureSlots: { name: string; shape: Shape; slot: number }[] = [];
  const branchSlots = new Map<string, number>();
  const shortcutSlots = new Map<string, number>();
  const pathSlots: { name: string; cardinality: number; slot: number }[] = [];
  const rms = (t: tf.Tensor) => tf.sqrt(tf.mean(tf.square(t)));

  let logits: tf.Tensor2D;
  try {
    logits = model.forward(x, false, {
      layer(row, index, output) {
        if (index === row.layers.length - 1 && stageEnds.has(row.name)) {
          const name = stageEnds.get(row.name)!;
          featureSlots.push({ name, shape: row.output, slot: reads.keep(output) });
        }
        if (branchEnd.get(row.name) === index) branchSlots.set(row.name, reads.keep(rms(output)));
        const path = pathLayer.get(`${row.name}#${index}`);
        if (path) {
          const slot = reads.keep(tf.mean(tf.abs(output), [0, 1, 2]));
          pathSlots.push({ name: row.name, cardinality: path, slot });
        }
      },
      add(row, _branch, shortcut) {
        shortcutSlots.set(row.name, reads.keep(rms(shortcut)));
      },
    });
  } catch (error) {
    reads.discard();
    throw error;
  }
  const probabilitySlot = reads.keep(tf.tidy(() => tf.softmax(logits)));
  logits.dispose();
  const stemWeight = model.params.get(`${plan.stem.layers[0].name}.weight`)!;
  const filterSlot = reads.read(stemWeight);
  const values = await reads.values();

  const maxChannels = options.maxChannels ?? 16;
  return {
    filters: filterTiles(values[filterSlot], stemWeight.shape as number[]),
    featureMaps: featureSlots.map(({ name, shape, slot }) => ({
      name,
      shape,
      ...mostActiveChannels(values[slot], shape, maxChannels),
    })),
    predictions: topPredictions(values[probabilitySlot], options.topK ?? 5),
    blocks: plan.blocks.map((b) => {
      const branchRms = values[branchSlots.get(b.name)!][0];
      const shortcut = shortcutSlots.get(b.name);
      const shortcutRms = shortcut === undefined ? null : values[shortcut][0];
      const ratio = shortcutRms === null ? null : branchRms / shortcutRms;
      return { name: b.name, branchRms, shortcutRms, ratio };
    }),
    paths: pathSlots.map(({ name, cardinality, slot }) => ({
      name,
      cardinality,
      activity: groupMeans(values[slot], cardinality),
    })),
  };
}

/**
 * Tensors to read back after the forward, as one concatenation: one wait for the device, not
 * one per number (a deep net has a hundred block figures).
 */
class ReadBack {
  private readonly tensors: tf.Tensor[] = [];
  private readonly owned: tf.Tensor[] = [];

  /** A tensor derived inside the forward (or after it): kept past its tidy, disposed here. */
  keep(t: tf.Tensor): number {
    this.owned.push(tf.keep(t));
    return this.read(t);
  }

  /** A tensor someone else owns (a weight): read, never disposed. */
  read(t: tf.Tensor): number {
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  /** Frees what was kept (a forward that failed half-way). */
  discard(): void {
    tf.dispose(this.owned);
  }

  async values(): Promise<Float32Array[]> {
    let all: tf.Tensor1D;
    try {
      all = tf.tidy(() => tf.concat(this.tensors.map((t) => t.reshape([-1]))) as tf.Tensor1D);
    } finally {
      this.discard();
    }
    const flat = (await all.data()) as Float32Array;
    all.dispose();
    let offset = 0;
    return this.tensors.map((t) => flat.subarray(offset, (offset += t.size)));
  }
}

/** The rows whose output is shown: the stem, and each stage's last block, named "layer{s}". */
function stageEndRows(stem: Row, blocks: Row[]): Map<string, string> {
  const ends = new Map([[stem.name, 'stem']]);
  blocks.forEach((b, i) => {
    if (b.stage !== blocks[i + 1]?.stage) ends.set(b.name, `layer${b.stage}`);
  });
  return ends;
}

/** The residual branch ends at the main path's last batch norm (then: addition, ReLU). */
function lastMainBatchNorm(layers: Layer[]): number {
  return layers.findLastIndex((l) => l.op === 'bn' && l.branch === 'main');
}

/** "block#index" of the ReLU after a grouped conv's BN, with the conv's cardinality. */
function groupedActivation(layers: Layer[], block: string): [string, number][] {
  const conv = layers.findIndex((l) => l.op === 'conv' && l.groups > 1);
  if (conv < 0) return [];
  const relu = layers.findIndex((l, i) => i > conv && l.op === 'relu');
  const groups = (layers[conv] as Extract<Layer, { op: 'conv' }>).groups;
  return relu < 0 ? [] : [[`${block}#${relu}`, groups]];
}

/** Min-max scaling of `values` to bytes; a constant input gives mid-grey. */
function scaleToBytes(values: ArrayLike<number>, out: Uint8Array, at = 0): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const range = max - min;
  for (let i = 0; i < values.length; i++) {
    out[at + i] = range > 0 ? Math.round((255 * (values[i] - min)) / range) : 128;
  }
}

/**
 * The stem filters (TF layout [kh, kw, 3, out]) as RGB tiles. Each filter is min-max scaled on
 * its own, over its three colours together: weights have no absolute colour, and a shared
 * scale would leave the weak filters black; the colours within a filter keep their balance.
 */
export function filterTiles(weights: Float32Array, shape: number[]): FilterTiles {
  const [kh, kw, inChannels, count] = shape;
  if (kh !== kw || inChannels !== 3) {
    throw new Error(`the stem filters are [${shape}], expected [k, k, 3, out]`);
  }
  const tile = kh * kw * 3;
  const rgb = new Uint8Array(count * tile);
  const filter = new Float32Array(tile);
  for (let o = 0; o < count; o++) {
    // [kh, kw, in] of output o: the element (y, x, c) sits at ((y·kw + x)·3 + c)·count + o.
    for (let i = 0; i < tile; i++) filter[i] = weights[i * count + o];
    scaleToBytes(filter, rgb, o * tile);
  }
  return { count, kernel: kh, rgb };
}

/** Up to `max` channels by highest mean activation, each scaled to bytes on its own. */
export function mostActiveChannels(
  activation: Float32Array,
  [channels, height, width]: Shape,
  max: number,
): Pick<FeatureMaps, 'channels' | 'means' | 'maps'> {
  const pixels = height * width;
  const planes = Array.from({ length: channels }, () => new Float32Array(pixels));
  // NHWC → one plane per channel.
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) planes[c][p] = activation[p * channels + c];
  }
  const mean = planes.map((plane) => plane.reduce((a, b) => a + b, 0) / pixels);
  const order = mean
    .map((m, c) => [m, c] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, max)
    .map(([, c]) => c);
  const maps = new Uint8Array(order.length * pixels);
  order.forEach((c, i) => scaleToBytes(planes[c], maps, i * pixels));
  return { channels: order, means: order.map((c) => mean[c]), maps };
}

/** The k most probable classes, most probable first. */
export function topPredictions(probabilities: Float32Array, k: number): Prediction[] {
  return Array.from(probabilities, (probability, classIndex) => ({ classIndex, probability }))
    .sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex)
    .slice(0, k);
}

/** Per-channel values split into `groups` contiguous groups (a grouped conv's), averaged. */
export function groupMeans(perChannel: Float32Array, groups: number): number[] {
  const size = perChannel.length / groups;
  return Array.from({ length: groups }, (_, g) => {
    let sum = 0;
    for (let c = g * size; c < (g + 1) * size; c++) sum += perChannel[c];
    return sum / size;
  });
}
