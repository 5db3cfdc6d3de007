import { describe, expect, it } from 'vitest';
import { cardinalityStudy } from './study';
import { familyName, networkName } from './names';
import { presetSpec } from './presets';

const preset = (name: string) => presetSpec(name)!;

describe('networkName', () => {
  it('names presets as the papers do, with C×d for grouped nets', () => {
    expect(networkName(preset('resnet20'))).toBe('ResNet-20');
    expect(networkName(preset('resnet56'))).toBe('ResNet-56');
    expect(networkName(preset('plain56'))).toBe('plain-56');
    expect(networkName(preset('resnet50'))).toBe('ResNet-50');
    expect(networkName(preset('resnext20_4x16d'))).toBe('ResNeXt-20 4×16d');
    expect(networkName(preset('resnext29_8x64d'))).toBe('ResNeXt-29 8×64d');
    // The output layer follows the dataset: a 100-class ResNet-56 is still the preset.
    expect(networkName({ ...preset('resnet56'), classes: 100 })).toBe('ResNet-56');
  });

  it('marks an edited preset, and tells study arms apart by C and d', () => {
    const wider = preset('resnet20');
    wider.stem.channels = 32;
    expect(networkName(wider)).toBe('ResNet-20 (edited)');
    const arms = cardinalityStudy(preset('resnext20_4x16d'), [1, 2, 4, 8], true).arms;
    const names = arms.map((a) => networkName(a.spec));
    expect(names).toEqual([
      'ResNet-20 1×38d',
      'ResNeXt-20 2×25d',
      'ResNeXt-20 4×16d',
      'ResNeXt-20 8×10d',
    ]);
    expect(names[3]).toBe(familyName(arms[3].spec));
    const widerStem = preset('resnet50');
    widerStem.stem.channels = 32;
    expect(networkName(widerStem)).toBe('ResNet-50 1×64d (edited)');
  });
});
