import { describe, expect, it } from 'vitest';
import { analyze, trainingMemoryBytes } from './analyze';
import { networkRows } from './layers';
import { PRESETS } from './presets';

const spec = (name: string) => PRESETS[name].spec;
const params = (name: string, classes?: number) => analyze(spec(name), classes).totals.params;

describe('analyze: reference parameter counts', () => {
  it('matches the CIFAR ResNets (option A) exactly', () => {
    expect(params('resnet20')).toBe(269_722);
    expect(params('resnet20', 100)).toBe(275_572);
    expect(params('resnet32')).toBe(464_154);
    expect(params('resnet44')).toBe(658_586);
    expect(params('resnet56')).toBe(853_018);
    expect(params('resnet110')).toBe(1_727_962);
  });

  it('matches torchvision ResNets patched for 32×32 exactly', () => {
    expect(params('resnet18')).toBe(11_173_962);
    expect(params('resnet50', 100)).toBe(23_705_252);
  });

  it('matches torchvision resnext50_32x4d at 1000 classes, 224×224', () => {
    expect(analyze(spec('resnext50_32x4d'), 1000, 224).totals.params).toBe(25_028_904);
  });

  it('matches the ResNeXt paper CIFAR models', () => {
    expect(Math.abs(params('resnext29_8x64d') / 34.4e6 - 1)).toBeLessThan(0.001);
    expect(Math.abs(params('resnext29_16x64d') / 68.1e6 - 1)).toBeLessThan(0.005);
  });

  it('counts the plain net like the residual one (option A has no weights)', () => {
    expect(params('plain20')).toBe(params('resnet20'));
  });
});

describe('analyze: shapes, multiply-adds and shortcuts', () => {
  it('gives ResNet-20 its 40.55 M multiply-adds and per-stage outputs', () => {
    const a = analyze(spec('resnet20'));
    expect(a.totals.macs).toBe(40_551_040);
    expect(a.stages.map((s) => s.output)).toEqual([
      [16, 32, 32],
      [32, 16, 16],
      [64, 8, 8],
    ]);
    expect(a.stages.reduce((t, s) => t + s.params, 0)).toBe(269_722 - 464 - 650);
  });

  it('lists stem, torchvision-named blocks and head with their shortcuts', () => {
    const rows = analyze(spec('resnet20')).rows;
    expect(rows.map((r) => r.name)).toEqual([
      'stem',
      ...[1, 2, 3].flatMap((s) => [0, 1, 2].map((i) => `layer${s}.${i}`)),
      'head',
    ]);
    const layer2 = rows.find((r) => r.name === 'layer2.0')!;
    expect(layer2).toMatchObject({ stage: 2, index: 0, kind: 'basic', shortcut: 'A' });
    expect(layer2.input).toEqual([16, 32, 32]);
    expect(layer2.output).toEqual([32, 16, 16]);
    expect(rows.find((r) => r.name === 'layer2.1')!.shortcut).toBe('identity');
    expect(rows[0]).toMatchObject({ kind: 'stem', stage: null, params: 16 * 27 + 32 });
    expect(rows[rows.length - 1]).toMatchObject({ kind: 'head', params: 650, macs: 640 });
  });

  it('uses no shortcut at all in a plain net', () => {
    const shortcuts = analyze(spec('plain20')).rows.map((r) => r.shortcut);
    expect(new Set(shortcuts)).toEqual(new Set(['none']));
  });

  it('projects with B in the first bottleneck block even at stride 1 (channels change)', () => {
    const rows = analyze(spec('resnet50')).rows;
    expect(rows.find((r) => r.name === 'layer1.0')!.shortcut).toBe('B');
    expect(rows.find((r) => r.name === 'layer1.1')!.shortcut).toBe('identity');
  });

  it('names parameterised layers as torchvision state dicts do', () => {
    const names = networkRows(spec('resnet18'))
      .flatMap((row) => row.layers)
      .filter((layer) => layer.params > 0)
      .map((layer) => layer.name);
    expect(names.slice(0, 6)).toEqual([
      'conv1',
      'bn1',
      'layer1.0.conv1',
      'layer1.0.bn1',
      'layer1.0.conv2',
      'layer1.0.bn2',
    ]);
    expect(names).toContain('layer2.0.downsample.0');
    expect(names).toContain('layer2.0.downsample.1');
    expect(names).not.toContain('layer1.0.downsample.0');
    expect(names[names.length - 1]).toBe('fc');
  });

  it('follows the ImageNet stem: 7×7/2 then max-pool 3×3/2 (224 → 112 → 56)', () => {
    const [stem] = networkRows(spec('resnext50_32x4d'), 1000, 224);
    expect(stem.layers.map((l) => [l.name, l.output[1]])).toEqual([
      ['conv1', 112],
      ['bn1', 112],
      ['relu', 112],
      ['maxpool', 56],
    ]);
  });

  it('carries the PyTorch settings of every module the engine builds', () => {
    const layer = (name: string, rows: ReturnType<typeof networkRows>) =>
      rows.flatMap((row) => row.layers).find((l) => l.name === name);
    const resnext = networkRows(spec('resnext50_32x4d'), 1000, 224);
    expect(layer('maxpool', resnext)).toMatchObject({ kernel: 3, stride: 2, padding: 1 });
    expect(layer('layer1.0.conv2', resnext)).toMatchObject({
      op: 'conv',
      inChannels: 128,
      outChannels: 128,
      kernel: 3,
      stride: 1,
      padding: 1,
      groups: 32,
      bias: false,
      branch: 'main',
    });
    expect(layer('layer2.0.downsample.0', resnext)).toMatchObject({
      op: 'conv',
      inChannels: 256,
      outChannels: 512,
      kernel: 1,
      stride: 2,
      padding: 0,
      groups: 1,
      branch: 'shortcut',
    });
    expect(layer('fc', resnext)).toMatchObject({ inFeatures: 2048, outFeatures: 1000 });
    const cifar = networkRows(spec('resnet20'));
    const optionA = { op: 'shortcutA', stride: 2, channels: 32, branch: 'shortcut' };
    expect(layer('layer2.0.downsample', cifar)).toMatchObject(optionA);
    const blog = networkRows(spec('notebook_cifar100_resnet'));
    expect(layer('dropout', blog)).toMatchObject({ op: 'dropout', p: 0.02 });
    expect(layer('maxpool4', blog)).toMatchObject({ kernel: 4, stride: 1, padding: 0 });
    // Only torchvision's `downsample` modules read the block input a second time.
    for (const l of [...resnext, ...cifar, ...blog].flatMap((row) => row.layers)) {
      expect(l.branch, l.name).toBe(l.name.includes('.downsample') ? 'shortcut' : 'main');
    }
  });

  it("reproduces the blog's network: dropout stem, 3×3 shortcuts, 4×4 max-pool head", () => {
    const a = analyze(spec('notebook_cifar100_resnet'));
    const rows = a.rows;
    expect(rows[0].output).toEqual([32, 32, 32]);
    expect(rows.find((r) => r.name === 'layer1.0')!.shortcut).toBe('identity');
    expect(rows.find((r) => r.name === 'layer2.0')!.shortcut).toBe('conv3x3');
    expect(rows[rows.length - 1].input).toEqual([256, 4, 4]);
    expect(rows[rows.length - 1].params).toBe(256 * 100 + 100);
    const layer2 = networkRows(spec('notebook_cifar100_resnet'))[3];
    expect(layer2.layers.map((l) => l.op)).toEqual(
      ['conv', 'bn', 'relu', 'conv', 'bn', 'conv', 'bn', 'add'], // no ReLU after the addition
    );
  });

  it('counts conv biases when convBias is set (the ResNeXt-50 notebook)', () => {
    const withBias = analyze(spec('notebook_resnext50')).totals.params;
    const withoutBias = analyze({ ...spec('notebook_resnext50'), convBias: false }).totals.params;
    // Every block conv and projection conv gets one bias per output channel.
    const biases = networkRows(spec('notebook_resnext50'))
      .flatMap((row) => row.layers)
      .filter((l) => l.op === 'conv' && l.name !== 'conv1')
      .reduce((t, l) => t + l.output[0], 0);
    expect(withBias - withoutBias).toBe(biases);
  });
});

describe('trainingMemoryBytes', () => {
  it('adds activations × batch to parameters × (weights, grads, two slots), in float32', () => {
    const a = analyze(spec('resnet20'));
    const bytes = trainingMemoryBytes(spec('resnet20'), 128);
    expect(bytes).toBe(4 * (a.totals.activations * 128 + a.totals.params * 4));
    expect(trainingMemoryBytes(spec('resnet20'), 256)).toBeGreaterThan(bytes);
    // ResNet-20 keeps 19 conv + 19 BN + 19 ReLU outputs: ≈ 0.57 M floats per image.
    expect(a.totals.activations).toBe(565_248);
  });
});
