import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { DEMO_SIZES, DEMOS, demoById, planCost, type DemoRun } from './demos';
import { validate, validateRecipe } from './validate';

const plan = (id: string, size: 'quick' | 'full') => demoById(id)!.sizes[size];
const totals = (r: DemoRun) => analyze(r.spec).totals;

/** Every leaf path where two plain values differ. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}/${k}`,
      ),
    );
  }
  return a === b ? [] : [path];
}

describe('the Learn demos', () => {
  it('has the five demos, each with a narrative and both sizes', () => {
    expect(DEMOS.map((d) => d.id)).toEqual([
      'degradation',
      'cardinality',
      'blocks',
      'shortcuts',
      'augmentation',
    ]);
    for (const demo of DEMOS) {
      for (const text of Object.values(demo.narrative)) expect(text.length).toBeGreaterThan(40);
      for (const size of DEMO_SIZES) {
        const { runs, dataset, expect: expected, recipeNote } = demo.sizes[size];
        expect(dataset).toBe('cifar10');
        expect(runs.length).toBeGreaterThanOrEqual(2);
        expect(expected.length).toBeGreaterThan(20);
        expect(recipeNote.length).toBeGreaterThan(10);
        expect(new Set(runs.map((r) => r.label)).size).toBe(runs.length);
      }
    }
  });

  it('has specs and recipes that validate', () => {
    for (const demo of DEMOS) {
      for (const size of DEMO_SIZES) {
        for (const r of demo.sizes[size].runs) {
          expect(validate(r.spec), `${demo.id} ${size} ${r.label}`).toEqual([]);
          expect(validateRecipe(r.recipe), `${demo.id} ${size} ${r.label}`).toEqual([]);
          expect(r.spec.classes).toBe(10);
        }
      }
    }
  });

  it('makes quick smaller than full: fewer images and far less compute', () => {
    for (const demo of DEMOS) {
      const quick = planCost(demo.sizes.quick);
      const full = planCost(demo.sizes.full);
      for (const r of demo.sizes.quick.runs) {
        expect(r.limitTrain).toBeGreaterThan(0);
        expect(r.limitTrain).toBeLessThan(50_000);
      }
      expect(quick.images).toBeLessThan(full.images / 10);
      expect(quick.macs).toBeLessThan(full.macs / 10);
    }
  });

  it('pits equal-depth plain nets against residual ones in the degradation demo', () => {
    for (const size of DEMO_SIZES) {
      const runs = plan('degradation', size).runs;
      expect(runs.map((r) => r.label)).toEqual(['plain-20', 'plain-56', 'ResNet-20', 'ResNet-56']);
      const [p20, p56, r20, r56] = runs;
      expect([p20, p56].map((r) => r.spec.residual)).toEqual([false, false]);
      expect([r20, r56].map((r) => r.spec.residual)).toEqual([true, true]);
      // Each plain net is its residual twin without shortcuts: same layers, same parameters.
      expect(differences(p20.spec, r20.spec)).toEqual(['/residual']);
      expect(differences(p56.spec, r56.spec)).toEqual(['/residual']);
      expect(totals(p56).params).toBe(853_018);
      // One recipe for all four, SGD at 0.1 with batch norm's usual partner, momentum.
      for (const r of runs) expect(r.recipe).toEqual(runs[0].recipe);
      expect(runs[0].recipe.optimizer).toMatchObject({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    }
    expect(plan('degradation', 'full').runs[0].recipe.epochs).toBe(160);
  });

  it('keeps the cardinality arms within 5% of each other in params and MACs', () => {
    const quick = plan('cardinality', 'quick').runs;
    expect(quick.map((r) => r.label)).toEqual([
      'C = 1, d = 38/75/150',
      'C = 2, d = 25/50/99',
      'C = 4, d = 16/32/64',
      'C = 8, d = 10/20/40',
    ]);
    const full = plan('cardinality', 'full').runs;
    // The ResNeXt paper's Table 2 widths in the first stage.
    expect(full.map((r) => r.label.split(', ')[1].split('/')[0])).toEqual([
      'd = 64',
      'd = 40',
      'd = 24',
      'd = 14',
      'd = 4',
    ]);
    for (const runs of [quick, full]) {
      const params = runs.map((r) => totals(r).params);
      const macs = runs.map((r) => totals(r).macs);
      expect(Math.max(...params) / Math.min(...params)).toBeLessThan(1.05);
      expect(Math.max(...macs) / Math.min(...macs)).toBeLessThan(1.05);
    }
  });

  it('differs only in the block kind (and its widths) in the blocks demo, and shows params/MACs', () => {
    const [basic, bottleneck] = plan('blocks', 'quick').runs;
    expect(basic.spec.stages.every((s) => s.block === 'basic')).toBe(true);
    expect(bottleneck.spec.stages.every((s) => s.block === 'bottleneck')).toBe(true);
    expect(bottleneck.spec.stages.map((s) => s.blocks)).toEqual(
      basic.spec.stages.map((s) => s.blocks),
    );
    expect(differences(basic.recipe, bottleneck.recipe)).toEqual([]);
    const [b, n] = [totals(basic), totals(bottleneck)];
    expect(b.params).toBe(272_474);
    // Comparable cost: the bottleneck net is within 20% in params and multiply-adds.
    expect(n.params / b.params).toBeGreaterThan(1);
    expect(n.params / b.params).toBeLessThan(1.2);
    expect(n.macs / b.macs).toBeLessThan(1.2);
    const [r34, r50] = plan('blocks', 'full').runs.map(totals);
    expect(r34.params).toBe(21_282_122);
    expect(r50.params).toBe(23_520_842);
  });

  it('differs only in the shortcut in the shortcuts demo', () => {
    for (const size of DEMO_SIZES) {
      const [a, b] = plan('shortcuts', size).runs;
      const diff = differences(a.spec, b.spec);
      expect(diff.length).toBeGreaterThan(0);
      expect(diff.every((p) => /^\/stages\/\d+\/shortcut$/.test(p))).toBe(true);
      expect(a.spec.stages.every((s) => s.shortcut === 'A')).toBe(true);
      expect(b.spec.stages.every((s) => s.shortcut === 'B')).toBe(true);
      expect(differences(a.recipe, b.recipe)).toEqual([]);
      expect(a.limitTrain).toBe(b.limitTrain);
    }
    const [a, b] = plan('shortcuts', 'quick').runs.map(totals);
    expect(b.params - a.params).toBe(2752);
  });

  it('differs only in the augmentation in the augmentation demo', () => {
    for (const size of DEMO_SIZES) {
      const [on, off] = plan('augmentation', size).runs;
      expect(differences(on.spec, off.spec)).toEqual([]);
      expect(differences(on.recipe, off.recipe)).toEqual(['/augment/crop', '/augment/flip']);
      expect(on.recipe.augment).toMatchObject({ crop: true, flip: true });
      expect(off.recipe.augment).toMatchObject({ crop: false, flip: false });
    }
    expect(demoById('augmentation')!.extra).toBe('gap');
  });

  it('gives each run its own recipe object, so editing one cannot change another', () => {
    const [a, b] = plan('degradation', 'quick').runs;
    expect(a.recipe).not.toBe(b.recipe);
    expect(a.recipe.augment).not.toBe(b.recipe.augment);
  });
});
