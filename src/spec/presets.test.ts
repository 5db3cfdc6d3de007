import { describe, expect, it } from 'vitest';
import { PRESETS, plainVersion, presetNames, presetSpec } from './presets';
import { validate } from './validate';

describe('presets', () => {
  it('lists every requested preset', () => {
    const names = presetNames();
    for (const name of [
      'resnet8',
      'resnet14',
      'resnet20',
      'resnet32',
      'resnet44',
      'resnet56',
      'resnet110',
      'resnet1202',
      'resnet18',
      'resnet34',
      'resnet50',
      'resnet101',
      'resnet152',
      'resnext29_8x64d',
      'resnext29_16x64d',
      'resnext29_32x4d',
      'notebook_resnext',
      'resnext50_32x4d',
      'resnext101_32x4d',
      'notebook_resnext50',
      'notebook_cifar100_resnet',
      'plain20',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(presetNames())('%s is valid and described on one line', (name) => {
    expect(validate(PRESETS[name].spec)).toEqual([]);
    expect(PRESETS[name].description).toMatch(/^[^\n]{10,}$/);
  });

  it('builds CIFAR ResNets with n = (depth − 2) / 6 blocks per stage', () => {
    expect(PRESETS.resnet8.spec.stages.map((s) => s.blocks)).toEqual([1, 1, 1]);
    expect(PRESETS.resnet110.spec.stages.map((s) => s.blocks)).toEqual([18, 18, 18]);
    expect(PRESETS.resnet1202.spec.stages.map((s) => s.blocks)).toEqual([200, 200, 200]);
    expect(PRESETS.resnet56.group).toBe('cifar-resnet');
    expect(PRESETS.resnet14.group).toBe('tiny');
  });

  it('gives the ResNeXt-29 models width C·d doubling per stage', () => {
    const stages = PRESETS.resnext29_8x64d.spec.stages;
    expect(stages.map((s) => [s.bottleneckWidth, s.outChannels, s.cardinality])).toEqual([
      [512, 256, 8],
      [1024, 512, 8],
      [2048, 1024, 8],
    ]);
    expect(PRESETS.resnext29_16x64d.spec.stages[2].bottleneckWidth).toBe(4096);
  });

  it('keeps the classes of each reference (100 for the CIFAR-100 notebooks)', () => {
    expect(PRESETS.notebook_resnext.spec.classes).toBe(100);
    expect(PRESETS.notebook_cifar100_resnet.spec.classes).toBe(100);
    expect(PRESETS.notebook_resnext50.spec.classes).toBe(10);
    expect(PRESETS.resnet20.spec.classes).toBe(10);
  });

  it('is frozen, and presetSpec / plainVersion hand out editable copies', () => {
    expect(() => {
      (PRESETS.resnet20.spec.stages[0] as { blocks: number }).blocks = 9;
    }).toThrow(TypeError);
    const copy = presetSpec('resnet20')!;
    copy.stages[0].blocks = 9;
    expect(PRESETS.resnet20.spec.stages[0].blocks).toBe(3);
    expect(presetSpec('nope')).toBeUndefined();
    expect(presetSpec('__proto__')).toBeUndefined();
    expect(plainVersion(PRESETS.resnet56.spec)).toEqual(PRESETS.plain56.spec);
  });
});
