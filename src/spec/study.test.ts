import { describe, expect, it } from 'vitest';
import { presetSpec } from './presets';
import { armLabel, cardinalityStudy } from './study';

describe('cardinalityStudy', () => {
  it('keeps the tiny template within a few percent of C = 1 at every cardinality', () => {
    const study = cardinalityStudy(presetSpec('resnext20_4x16d')!, [1, 2, 4, 8, 16, 32], true);
    expect(study.issues).toEqual([]);
    expect(study.arms.map((a) => a.cardinality)).toEqual([1, 2, 4, 8, 16, 32]);
    for (const arm of study.arms) {
      expect(arm.issues).toEqual([]);
      expect(Math.abs(arm.paramsRatio - 1)).toBeLessThan(0.05);
      expect(Math.abs(arm.macsRatio - 1)).toBeLessThan(0.05);
      for (const s of arm.spec.stages) expect(s.cardinality).toBe(arm.cardinality);
    }
    // More paths, each narrower: d falls as C rises.
    const d = study.arms.map((a) => a.perStage[0].d);
    expect(d).toEqual([...d].sort((a, b) => b - a));
    expect(d[0]).toBeGreaterThan(d.at(-1)!);
  });

  it('reproduces the ResNeXt paper’s conv2 widths on the ResNet-50 template', () => {
    const study = cardinalityStudy(presetSpec('resnet50')!, [32, 1, 2, 4, 8], true);
    expect(study.arms.map((a) => [a.cardinality, a.perStage[0].d])).toEqual([
      [1, 64],
      [2, 40],
      [4, 24],
      [8, 14],
      [32, 4],
    ]);
    expect(armLabel(study.arms[4])).toBe('C = 32, d = 4/8/16/32');
    for (const arm of study.arms) expect(Math.abs(arm.paramsRatio - 1)).toBeLessThan(0.05);
  });

  it('measures against C = 1 even when it is not among the arms', () => {
    const study = cardinalityStudy(presetSpec('resnext20_4x16d')!, [4, 8], true);
    expect(study.arms).toHaveLength(2);
    expect(study.reference!.params).toBeCloseTo(study.arms[0].params / study.arms[0].paramsRatio);
  });

  it('without fixed complexity keeps the widths, so parameters fall, and flags a C that does not divide them', () => {
    const study = cardinalityStudy(presetSpec('resnext20_4x16d')!, [1, 4, 128], false);
    const [one, four, big] = study.arms;
    expect(four.spec.stages[0].bottleneckWidth).toBe(64);
    expect(four.params).toBeLessThan(one.params);
    expect(four.paramsRatio).toBeLessThan(0.9);
    expect(big.issues.length).toBeGreaterThan(0);
    expect(big.issues[0].message).toMatch(/divid|multiple|cardinality/i);
  });

  it('refuses a template without bottleneck blocks, saying what to pick', () => {
    const study = cardinalityStudy(presetSpec('resnet20')!, [1, 2], true);
    expect(study.arms).toEqual([]);
    expect(study.issues[0].message).toMatch(/no bottleneck blocks.*resnext20_4x16d/);
  });
});
