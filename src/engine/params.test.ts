import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../spec/analyze';
import { PRESETS, presetSpec } from '../spec/presets';
import { createRng } from '../spec/random';
import type { ArchSpec } from '../spec/types';
import { initialValues } from './init';
import type { ConvLayer } from '../spec/layers';
import {
  bufferInfos,
  fromTorchLayout,
  paramInfos,
  planLayers,
  planModel,
  toTorchLayout,
  torchShape,
  type ModelPlan,
  type ParamInfo,
} from './params';
import { blogLike, imagenetLike, resnet20, resnet8, tinyResNeXt } from './testSpecs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** What the engine allocates: the elements of every parameter's TF shape. */
const elements = (infos: ParamInfo[]) =>
  infos.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
const countParams = (plan: ModelPlan) => elements(paramInfos(plan));
const count = (spec: ArchSpec, input = 32) => countParams(planModel(spec, input));

function convNamed(plan: ModelPlan, name: string): ConvLayer {
  const layer = planLayers(plan).find((l) => l.name === name);
  if (layer?.op !== 'conv') throw new Error(`no conv ${name}`);
  return layer;
}

describe('parameter counts', () => {
  it('ResNet-8 by hand: 464 + 4,672 + 13,952 + 55,552 + 650 = 75,290', () => {
    // stem 3·16·9 + BN 2·16; layer1 2·(16·16·9) + 2·32; layer2 16·32·9 + 32·32·9 + 2·64;
    // layer3 32·64·9 + 64·64·9 + 2·128; fc 64·10 + 10. Option A adds nothing.
    expect(count(resnet8())).toBe(75_290);
  });

  it('matches the published figures (DESIGN.md)', () => {
    expect(count(resnet20())).toBe(269_722);
    expect(count(resnet20(100))).toBe(275_572);
    const preset = (name: string, classes?: number) => {
      const spec = presetSpec(name) as ArchSpec;
      return count(classes ? { ...spec, classes } : spec);
    };
    expect(preset('resnet32')).toBe(464_154);
    expect(preset('resnet44')).toBe(658_586);
    expect(preset('resnet56')).toBe(853_018);
    expect(preset('resnet110')).toBe(1_727_962);
    expect(preset('resnet18')).toBe(11_173_962);
    expect(preset('resnet50', 100)).toBe(23_705_252);
    expect(Math.abs(preset('resnext29_8x64d') - 34.4e6) / 34.4e6).toBeLessThan(0.01);
    expect(Math.abs(preset('resnext29_16x64d') - 68.1e6) / 68.1e6).toBeLessThan(0.01);
  });

  it('equals analyze(spec) for every preset and every layer, and the block shapes agree', () => {
    for (const [name, preset] of Object.entries(PRESETS)) {
      const plan = planModel(preset.spec);
      const a = analyze(preset.spec);
      expect(countParams(plan), name).toBe(a.totals.params);
      // Each module's TF tensors hold exactly the parameters the spec walk counts for it.
      const infos = paramInfos(plan);
      for (const layer of planLayers(plan)) {
        const own = infos.filter((p) => p.name.slice(0, p.name.lastIndexOf('.')) === layer.name);
        expect(elements(own), `${name} ${layer.name}`).toBe(layer.params);
      }
      for (const block of plan.blocks) {
        const row = a.rows.find((r) => r.name === block.name);
        const convs = block.layers.filter(
          (l): l is ConvLayer => l.op === 'conv' && l.branch === 'main',
        );
        const out = convs[convs.length - 1].outChannels;
        expect(row?.output, `${name} ${block.name}`).toEqual([
          out,
          block.output[1],
          block.output[2],
        ]);
      }
    }
  });
});

describe('names and shapes', () => {
  it('ResNet-8: torchvision names in named_parameters() order, TF layouts', () => {
    const infos = paramInfos(planModel(resnet8()));
    const bn = (p: string) => [`${p}.weight`, `${p}.bias`];
    const block = (p: string) => [
      `${p}.conv1.weight`,
      ...bn(`${p}.bn1`),
      `${p}.conv2.weight`,
      ...bn(`${p}.bn2`),
    ];
    expect(infos.map((p) => p.name)).toEqual([
      'conv1.weight',
      ...bn('bn1'),
      ...block('layer1.0'),
      ...block('layer2.0'),
      ...block('layer3.0'),
      'fc.weight',
      'fc.bias',
    ]);
    const shape = (n: string) => infos.find((p) => p.name === n)?.shape;
    expect(shape('conv1.weight')).toEqual([3, 3, 3, 16]);
    expect(shape('layer2.0.conv1.weight')).toEqual([3, 3, 16, 32]);
    expect(shape('layer3.0.bn2.bias')).toEqual([64]);
    expect(shape('fc.weight')).toEqual([64, 10]);
  });

  it('bottleneck + B: conv1..3, downsample.0/.1, grouped 3×3 as [3, 3, width/C, width]', () => {
    const names = paramInfos(planModel(tinyResNeXt())).map((p) => p.name);
    expect(names.filter((n) => n.startsWith('layer2.0.'))).toEqual([
      'layer2.0.conv1.weight',
      'layer2.0.bn1.weight',
      'layer2.0.bn1.bias',
      'layer2.0.conv2.weight',
      'layer2.0.bn2.weight',
      'layer2.0.bn2.bias',
      'layer2.0.conv3.weight',
      'layer2.0.bn3.weight',
      'layer2.0.bn3.bias',
      'layer2.0.downsample.0.weight',
      'layer2.0.downsample.1.weight',
      'layer2.0.downsample.1.bias',
    ]);
    // layer2.1 keeps its shape: identity shortcut, no downsample.
    expect(names.some((n) => n.startsWith('layer2.1.downsample'))).toBe(false);
    // layer1.0 changes channels (16 → 32) at stride 1: projected too, as torchvision does.
    expect(names).toContain('layer1.0.downsample.0.weight');
    const plan = planModel(tinyResNeXt());
    const conv2 = convNamed(plan, 'layer2.0.conv2');
    expect([conv2.groups, conv2.stride, conv2.kernel]).toEqual([8, 2, 3]);
    const info = paramInfos(plan).find((p) => p.name === 'layer2.0.conv2.weight');
    expect(info?.shape).toEqual([3, 3, 8, 64]);
    expect(info?.init).toEqual({ kind: 'kaimingNormalFanOut', fanOut: 64 * 9 });
  });

  it('convBias adds .bias to block and shortcut convs but never to the stem', () => {
    const infos = paramInfos(planModel(blogLike()));
    const names = infos.map((p) => p.name);
    expect(names).not.toContain('conv1.bias');
    expect(names).toContain('layer1.0.conv1.bias');
    expect(names).toContain('layer1.0.conv2.bias');
    expect(names).toContain('layer2.0.downsample.0.bias');
    // blogLike's stage 1 keeps 8 channels at stride 1: identity, no downsample.
    expect(names.some((n) => n.startsWith('layer1.0.downsample'))).toBe(false);
    const bias = infos.find((p) => p.name === 'layer2.0.downsample.0.bias');
    expect(bias?.init).toEqual({ kind: 'uniformFanIn', fanIn: 8 * 9 });
    // max4 head on an 8×8 map: 5×5 positions × 24 channels.
    expect(infos.find((p) => p.name === 'fc.weight')?.shape).toEqual([24 * 25, 7]);
  });

  it('residual = false has no downsample at all; option A has no parameters', () => {
    const plain = paramInfos(planModel({ ...tinyResNeXt(), residual: false }));
    expect(plain.some((p) => p.name.includes('downsample'))).toBe(false);
    expect(paramInfos(planModel(resnet8())).some((p) => p.name.includes('downsample'))).toBe(false);
  });

  it('ImageNet stem: 7×7 stride 2 pad 3, then the 3×3/2 max-pool: 64 → 32 → 16', () => {
    const plan = planModel(imagenetLike(), 64);
    const stem = convNamed(plan, 'conv1');
    expect([stem.kernel, stem.stride, stem.padding]).toEqual([7, 2, 3]);
    expect(plan.stem.output).toEqual([16, 16, 16]);
    expect(plan.blocks.map((b) => b.output)).toEqual([
      [32, 16, 16],
      [64, 8, 8],
    ]);
  });

  it('buffers: running_mean, running_var, num_batches_tracked per batch norm', () => {
    const buffers = bufferInfos(planModel(resnet8()));
    expect(buffers.slice(0, 3)).toEqual([
      { name: 'bn1.running_mean', shape: [16], dtype: 'float32' },
      { name: 'bn1.running_var', shape: [16], dtype: 'float32' },
      { name: 'bn1.num_batches_tracked', shape: [], dtype: 'int32' },
    ]);
    expect(buffers.length).toBe(3 * 7);
  });

  it('refuses what it cannot build', () => {
    const badWidth = tinyResNeXt();
    badWidth.stages[0].cardinality = 5;
    expect(() => planModel(badWidth)).toThrow(/divisible/);
    const shrinkA = resnet8();
    shrinkA.stages[2].outChannels = 8;
    expect(() => planModel(shrinkA)).toThrow(/reduce/);
    expect(() => planModel(blogLike(), 8)).toThrow(/4×4/);
  });
});

describe('init rules', () => {
  it('Kaiming normal fan_out: empirical std within 2% of √(2 / (out·k·k))', () => {
    const rng = createRng(1);
    const fanOut = 256 * 9;
    const v = initialValues({ kind: 'kaimingNormalFanOut', fanOut }, 3 * 3 * 64 * 256, rng);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.abs(std / Math.sqrt(2 / fanOut) - 1)).toBeLessThan(0.02);
  });

  it('uniform ±1/√fan_in (Linear and conv-bias defaults)', () => {
    const v = initialValues({ kind: 'uniformFanIn', fanIn: 64 }, 20_000, createRng(2));
    const max = v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    expect(max).toBeLessThanOrEqual(1 / 8);
    expect(max).toBeGreaterThan(0.99 / 8);
    const std = Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    expect(Math.abs(std / (1 / 8 / Math.sqrt(3)) - 1)).toBeLessThan(0.03);
  });
});

describe('TF ⇄ PyTorch layouts', () => {
  it('conv weights [kh, kw, in/g, out] ⇄ [out, in/g, kh, kw], element by element', () => {
    const tfShape = [3, 2, 4, 5];
    const w = tf.tensor(
      Float32Array.from({ length: 120 }, (_, i) => i),
      tfShape,
    );
    const t = toTorchLayout('layer1.0.conv2.weight', w);
    expect(t.shape).toEqual([5, 4, 3, 2]);
    expect(torchShape('layer1.0.conv2.weight', tfShape)).toEqual([5, 4, 3, 2]);
    const tv = t.arraySync() as number[][][][];
    const wv = w.arraySync() as number[][][][];
    for (let o = 0; o < 5; o++)
      for (let i = 0; i < 4; i++)
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 2; b++) expect(tv[o][i][a][b]).toBe(wv[a][b][i][o]);
    const back = fromTorchLayout('layer1.0.conv2.weight', t);
    expect(Array.from(back.dataSync())).toEqual(Array.from(w.dataSync()));
    tf.dispose([w, t, back]);
  });

  it('fc.weight [in, out] ⇄ [out, in]; vectors and BN tensors unchanged', () => {
    const fc = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const t = toTorchLayout('fc.weight', fc);
    expect(t.arraySync()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const bias = tf.tensor1d([1, 2]);
    const same = toTorchLayout('bn1.weight', bias);
    expect(same).not.toBe(bias); // always a new tensor: the caller disposes it
    expect(Array.from(same.dataSync())).toEqual([1, 2]);
    expect(torchShape('fc.bias', [10])).toEqual([10]);
    tf.dispose([fc, t, bias, same]);
  });
});
