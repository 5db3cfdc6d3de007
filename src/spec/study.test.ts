import { describe, expect, it } from 'vitest';
import { presetSpec } from './presets';
import { trainingMemoryBytes } from './analyze';
import {
  armLabel,
  cardinalityStudy,
  STUDY_MEMORY_BUDGET,
  studyBatchFor,
  studyRecipe,
} from './study';
import { validateRecipe } from './validate';

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

describe('the study’s own recipe', () => {
  it('scales the one-cycle peak with the batch by the linear rule', () => {
    const r32 = studyRecipe({ epochs: 3, batchSize: 32, seed: 0 });
    expect(r32.schedule).toMatchObject({ kind: 'onecycle', maxLr: 0.025, pctStart: 0.3 });
    expect(studyRecipe({ epochs: 3, batchSize: 128, seed: 0 }).schedule).toMatchObject({
      maxLr: 0.1,
    });
    expect(validateRecipe(r32)).toEqual([]);
  });

  it('picks the largest batch whose memory estimate fits every arm', () => {
    const arms = cardinalityStudy(presetSpec('resnext20_4x16d')!, [1, 2, 4, 8], true).arms;
    const specs = arms.map((a) => a.spec);
    // WASM's budget: C = 4 trains at batch 32 (measured), so a study up to C = 4 gets 32 and
    // one with C = 8 (a wider grouped conv, a bigger estimate) gets less.
    expect(studyBatchFor(specs.slice(0, 3), STUDY_MEMORY_BUDGET.cpu)).toBe(32);
    expect(studyBatchFor(specs, STUDY_MEMORY_BUDGET.cpu)).toBe(16);
    expect(studyBatchFor(specs, STUDY_MEMORY_BUDGET.gpu)).toBe(128);
    for (const spec of specs) {
      expect(trainingMemoryBytes(spec, 16, 1)).toBeLessThanOrEqual(STUDY_MEMORY_BUDGET.cpu);
    }
  });
});
