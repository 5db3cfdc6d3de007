import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { repeatedBlockParams, solveWidth, validCardinalities } from './complexity';
import { PRESETS } from './presets';
import { validate } from './validate';

const resnet50 = PRESETS.resnet50.spec;

describe('solveWidth', () => {
  it('reproduces ResNeXt paper Table 2 in the first stage of the ResNet-50 template', () => {
    const table2: [number, number][] = [
      [1, 64],
      [2, 40],
      [4, 24],
      [8, 14],
      [32, 4],
    ];
    for (const [cardinality, d] of table2) {
      const { spec, perStage } = solveWidth(resnet50, cardinality);
      expect(perStage[0].d).toBe(d);
      expect(spec.stages[0]).toMatchObject({ cardinality, bottleneckWidth: cardinality * d });
    }
  });

  it('gives the 32×4d widths of torchvision resnext50_32x4d in every stage', () => {
    const { spec } = solveWidth(resnet50, 32);
    expect(spec.stages.map((s) => s.bottleneckWidth)).toEqual([128, 256, 512, 1024]);
  });

  it('keeps total parameters within 3% of the template', () => {
    const templateParams = analyze(resnet50).totals.params;
    for (const cardinality of [1, 2, 4, 8, 16, 32]) {
      const { spec, perStage } = solveWidth(resnet50, cardinality);
      expect(validate(spec)).toEqual([]);
      const params = analyze(spec).totals.params;
      expect(Math.abs(params / templateParams - 1)).toBeLessThan(0.03);
      // One step of d moves the width by C channels, so a single block lands within ~10%.
      for (const stage of perStage) {
        expect(Math.abs(stage.params / stage.templateParams - 1)).toBeLessThan(0.1);
      }
    }
  });

  it('returns C = 1 unchanged and leaves basic stages and the template alone', () => {
    expect(solveWidth(resnet50, 1).spec).toEqual(resnet50);
    const { spec, perStage } = solveWidth(PRESETS.resnet20.spec, 8);
    expect(spec).toEqual(PRESETS.resnet20.spec);
    expect(perStage[0]).toEqual({ d: 16, width: 16, params: 4672, templateParams: 4672 });
    expect(PRESETS.resnet50.spec.stages[0].cardinality).toBe(1);
  });

  it('counts the repeated block as input = output channels, stride 1, BN included', () => {
    // 256→64 1×1, 64→64 3×3, 64→256 1×1, BN 64 + 64 + 256 (weight and bias).
    const expected = 256 * 64 + 64 * 64 * 9 + 64 * 256 + 2 * (64 + 64 + 256);
    expect(repeatedBlockParams(resnet50, resnet50.stages[0])).toBe(expected);
  });

  it('rejects a cardinality that is not a whole number ≥ 1', () => {
    expect(() => solveWidth(resnet50, 0)).toThrow(RangeError);
    expect(() => solveWidth(resnet50, 2.5)).toThrow(RangeError);
  });
});

describe('validCardinalities', () => {
  it('offers the divisors of the bottleneck width', () => {
    expect(validCardinalities(PRESETS.notebook_resnext.spec, 0)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(validCardinalities(resnet50, 0)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    const odd = { ...resnet50, stages: [{ ...resnet50.stages[0], bottleneckWidth: 12 }] };
    expect(validCardinalities(odd, 0)).toEqual([1, 2, 3, 4, 6, 12]);
  });

  it('offers only 1 for basic stages and missing stages', () => {
    expect(validCardinalities(PRESETS.resnet20.spec, 1)).toEqual([1]);
    expect(validCardinalities(resnet50, 9)).toEqual([1]);
  });
});
