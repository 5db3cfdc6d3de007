import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRng, normal } from '../spec/random';
import type { ArchSpec } from '../spec/types';
import {
  filterTiles,
  groupMeans,
  inspectModel,
  mostActiveChannels,
  topPredictions,
} from './inspect';
import { buildModel, type Model } from './model';
import { imagenetLike, plain8, resnet8, tinyResNeXt } from './testSpecs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let models: Model[] = [];
function build(spec: ArchSpec, inputSize = 32): Model {
  const m = buildModel(spec, { seed: 3, inputSize });
  models.push(m);
  return m;
}
afterEach(() => {
  models.forEach((m) => m.dispose());
  models = [];
});

function image(size = 32, seed = 7): tf.Tensor4D {
  const rng = createRng(seed);
  const v = new Float32Array(size * size * 3);
  for (let i = 0; i < v.length; i++) v[i] = normal(rng);
  return tf.tensor4d(v, [1, size, size, 3]);
}

async function inspect(m: Model, size = 32) {
  const x = image(size);
  try {
    return await inspectModel(m, x);
  } finally {
    x.dispose();
  }
}

/** Sets a batch norm's output to its bias everywhere: gamma 0, beta = `bias`. */
function constantBatchNorm(m: Model, name: string, bias: number[]) {
  m.params.get(`${name}.weight`)!.assign(tf.zeros([bias.length]));
  m.params.get(`${name}.bias`)!.assign(tf.tensor1d(bias));
}

const rmsOf = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);

describe('inspectModel', () => {
  it('ResNet-8: 16 RGB 3×3 filters, maps after the stem and the three stages, five predictions', async () => {
    const view = await inspect(build(resnet8()));
    expect(view.filters.count).toBe(16);
    expect(view.filters.kernel).toBe(3);
    expect(view.filters.rgb.length).toBe(16 * 3 * 3 * 3);
    expect(view.featureMaps.map((f) => [f.name, f.shape])).toEqual([
      ['stem', [16, 32, 32]],
      ['layer1', [16, 32, 32]],
      ['layer2', [32, 16, 16]],
      ['layer3', [64, 8, 8]],
    ]);
    for (const f of view.featureMaps) {
      expect(f.channels.length).toBe(16);
      expect(f.maps.length).toBe(16 * f.shape[1] * f.shape[2]);
      // Most active first.
      for (let i = 1; i < f.means.length; i++)
        expect(f.means[i]).toBeLessThanOrEqual(f.means[i - 1]);
    }
    expect(view.blocks.map((b) => b.name)).toEqual(['layer1.0', 'layer2.0', 'layer3.0']);
    expect(view.paths).toEqual([]);
  });

  it('probabilities: top 5, sorted, and all classes sum to 1', async () => {
    const view = await inspect(build(resnet8()));
    const p = view.predictions.map((q) => q.probability);
    expect(p).toHaveLength(5);
    expect([...p].sort((a, b) => b - a)).toEqual(p);
    const all = await inspectModel(build(resnet8()), image(), { topK: 10 });
    expect(all.predictions.reduce((s, q) => s + q.probability, 0)).toBeCloseTo(1, 5);
    expect(new Set(all.predictions.map((q) => q.classIndex)).size).toBe(10);
  });

  it('filter tiles are exactly each filter min-max scaled to 0…255', async () => {
    const m = build(resnet8());
    const view = await inspect(m);
    const w = (await m.params.get('conv1.weight')!.array()) as number[][][][]; // [kh][kw][in][out]
    for (let o = 0; o < 16; o++) {
      const values = w.flatMap((row) => row.flatMap((px) => px.map((rgb) => rgb[o])));
      const [min, max] = [Math.min(...values), Math.max(...values)];
      const expected = values.map((v) => Math.round((255 * (v - min)) / (max - min)));
      expect([...view.filters.rgb.subarray(o * 27, (o + 1) * 27)], `filter ${o}`).toEqual(expected);
    }
  });

  it('a block whose branch is zeroed changes nothing: ratio 0; RMS figures by hand', async () => {
    const m = build(tinyResNeXt());
    // layer1.0: branch = bn3's bias everywhere; shortcut (projection) = downsample.1's bias.
    const branch = Array.from({ length: 32 }, (_, c) => (c % 4) - 1.5);
    const shortcut = Array.from({ length: 32 }, (_, c) => 0.1 * c);
    constantBatchNorm(m, 'layer1.0.bn3', branch);
    constantBatchNorm(m, 'layer1.0.downsample.1', shortcut);
    constantBatchNorm(m, 'layer2.1.bn3', new Array(64).fill(0));
    const view = await inspect(m);
    const [first, , last] = view.blocks;
    expect(first.branchRms).toBeCloseTo(rmsOf(branch), 5);
    expect(first.shortcutRms).toBeCloseTo(rmsOf(shortcut), 5);
    expect(first.ratio).toBeCloseTo(rmsOf(branch) / rmsOf(shortcut), 5);
    expect(last.name).toBe('layer2.1');
    expect(last.branchRms).toBe(0);
    expect(last.ratio).toBe(0);
    expect(last.shortcutRms).toBeGreaterThan(0);
  });

  it('plain nets report the branch only', async () => {
    const view = await inspect(build(plain8()));
    for (const b of view.blocks) {
      expect(b.branchRms).toBeGreaterThan(0);
      expect(b.shortcutRms).toBeNull();
      expect(b.ratio).toBeNull();
    }
  });

  it('path activity: C entries per grouped block, the mean |activation| of each group', async () => {
    const m = build(tinyResNeXt());
    // After bn2 (gamma 0) and the ReLU, channel c of layer1.0's grouped conv is max(0, beta_c).
    const beta = Array.from({ length: 32 }, (_, c) => (c % 3) - 0.5 + c / 32);
    constantBatchNorm(m, 'layer1.0.bn2', beta);
    const view = await inspect(m);
    expect(view.paths.map((p) => [p.name, p.cardinality, p.activity.length])).toEqual([
      ['layer1.0', 4, 4],
      ['layer2.0', 8, 8],
      ['layer2.1', 8, 8],
    ]);
    const relu = beta.map((b) => Math.max(0, b));
    const byHand = [0, 1, 2, 3].map(
      (g) => relu.slice(g * 8, g * 8 + 8).reduce((a, b) => a + b) / 8,
    );
    view.paths[0].activity.forEach((a, g) => expect(a).toBeCloseTo(byHand[g], 5));
  });

  it('the ImageNet stem: 7×7 filters, maps after its max-pool', async () => {
    const view = await inspect(build(imagenetLike(), 64), 64);
    expect(view.filters.kernel).toBe(7);
    expect(view.featureMaps[0].shape).toEqual([16, 16, 16]);
  });

  it('leaves no tensor behind, and leaves the model as it was', async () => {
    const m = build(tinyResNeXt());
    const x = image();
    const logits = async () => {
      const y = m.forward(x, false);
      const values = await y.array();
      y.dispose();
      return values;
    };
    const logitsBefore = await logits();
    const before = tf.memory().numTensors;
    await inspectModel(m, x);
    await inspectModel(m, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(await logits()).toEqual(logitsBefore);
    x.dispose();
  });

  it('refuses a batch of images, and taps on a training forward', async () => {
    const m = build(resnet8());
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    await expect(inspectModel(m, x)).rejects.toThrow(/one image/);
    expect(() => m.forward(x, true, {})).toThrow(/eval forwards only/);
    x.dispose();
  });
});

describe('the host-side computations', () => {
  it('filterTiles reads the TF layout [kh, kw, in, out]; a constant filter is mid-grey', () => {
    // Two 1×1 filters: filter 0 = (r, g, b) = (0, 1, 2), filter 1 constant 5.
    const tiles = filterTiles(Float32Array.from([0, 5, 1, 5, 2, 5]), [1, 1, 3, 2]);
    expect([...tiles.rgb]).toEqual([0, 128, 255, 128, 128, 128]);
  });

  it('mostActiveChannels orders by mean, scales each map on its own', () => {
    // 2×1 pixels, 3 channels (NHWC): channel means 1.5, 10, -1.
    const activation = Float32Array.from([1, 0, -1, 2, 20, -1]);
    const out = mostActiveChannels(activation, [3, 2, 1], 2);
    expect(out.channels).toEqual([1, 0]);
    expect(out.means).toEqual([10, 1.5]);
    expect([...out.maps]).toEqual([0, 255, 0, 255]);
  });

  it('topPredictions and groupMeans', () => {
    const p = topPredictions(Float32Array.from([0.1, 0.6, 0.3]), 2);
    expect(p.map((q) => q.classIndex)).toEqual([1, 2]);
    expect(groupMeans(Float32Array.from([1, 3, 5, 7]), 2)).toEqual([2, 6]);
  });
});
