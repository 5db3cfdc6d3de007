import { describe, expect, it } from 'vitest';
import { trainingMemoryBytes } from '../spec/analyze';
import { DEMOS } from '../spec/demos';
import { PRESETS } from '../spec/presets';
import { cardinalityStudy } from '../spec/study';
import { presetRecipe } from '../spec/recipes';
import {
  MEMORY_FACTOR,
  MEMORY_FACTOR_WASM_OURS,
  MemoryPreflightError,
  MIN_MICRO_BATCH,
  planMemory,
  WASM_BUDGET_BYTES,
  type MemoryBudget,
} from './preflight';

const wasm: MemoryBudget = { totalBytes: WASM_BUDGET_BYTES, tensorBytes: null, source: 'test' };
const recipe = (batchSize: number) => ({ ...presetRecipe('quick')!, batchSize });
const spec = (name: string) => PRESETS[name].spec;

describe('planMemory', () => {
  it('trains a batch that fits as it is', () => {
    const plan = planMemory(spec('resnet20'), recipe(32), wasm);
    expect(plan).toMatchObject({ batch: 32, microBatch: 32, recompute: false, note: null });
    expect(plan.needBytes).toBe(plan.estimateBytes * MEMORY_FACTOR.plain);
  });

  it('recomputes blocks when the plain step would not fit (ResNet-110 at 128 on WASM)', () => {
    // With TF.js's kernels the plain step holds ≈ 2.5× its 1.65 GB estimate: past the budget.
    const plan = planMemory(spec('resnet110'), recipe(128), wasm);
    expect(plan).toMatchObject({ batch: 128, microBatch: 128, recompute: true });
    expect(plan.note).toMatch(/recomputed .*same results/);
    expect(plan.needBytes).toBeLessThanOrEqual(WASM_BUDGET_BYTES);
  });

  it('with our WASM kernels, which hold far less, ResNet-110 at 128 trains plainly', () => {
    const ours = { ...wasm, factors: MEMORY_FACTOR_WASM_OURS };
    const plan = planMemory(spec('resnet110'), recipe(128), ours);
    expect(plan).toMatchObject({ batch: 128, microBatch: 128, recompute: false, note: null });
    expect(plan.needBytes).toBe(plan.estimateBytes * MEMORY_FACTOR_WASM_OURS.plain);
    // At 256 (3.3 GB estimated) its blocks are recomputed.
    expect(planMemory(spec('resnet110'), recipe(256), ours).recompute).toBe(true);
  });

  it('splits into equal micro-batches when even the recompute does not fit', () => {
    const budget = {
      ...wasm,
      totalBytes: trainingMemoryBytes(spec('resnet20'), 40, 1) * MEMORY_FACTOR.recompute,
    };
    const plan = planMemory(spec('resnet20'), recipe(128), budget);
    expect(plan.recompute).toBe(true);
    // ceil(128 / 40) = 4 parts of 32.
    expect(plan.microBatch).toBe(32);
    expect(plan.note).toMatch(/4 micro-batches of ≤ 32 .* still sees 128 images/);
  });

  it('honours a cap from the recovery after an out-of-memory abort', () => {
    const plan = planMemory(spec('resnet20'), recipe(128), wasm, 64);
    expect(plan).toMatchObject({ microBatch: 64, recompute: true });
    expect(plan.note).toMatch(/after running out of memory/);
  });

  it('refuses with the largest batch that fits when a micro-batch of 8 does not', () => {
    const five = trainingMemoryBytes(spec('resnet20'), 5, 1) * MEMORY_FACTOR.recompute;
    const budget = { ...wasm, totalBytes: five };
    let error: unknown;
    try {
      planMemory(spec('resnet20'), recipe(128), budget);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MemoryPreflightError);
    const largest = (error as MemoryPreflightError).largestBatch;
    expect(largest).toBe(5);
    expect(largest).toBeLessThan(MIN_MICRO_BATCH);
    expect((error as Error).message).toMatch(new RegExp(`largest batch that fits is ${largest}`));
  });

  it("checks WebGPU's largest buffer against one activation of the batch", () => {
    const oneImage = 4 * 16 * 32 * 32; // ResNet-20's largest map: 16 × 32 × 32 floats
    const gpu: MemoryBudget = { totalBytes: null, tensorBytes: oneImage * 64, source: 'gpu' };
    expect(planMemory(spec('resnet20'), recipe(64), gpu).microBatch).toBe(64);
    expect(planMemory(spec('resnet20'), recipe(128), gpu).microBatch).toBe(64);
  });
});

describe('the runs the page offers fit WASM (calibrated estimate within the heap budget)', () => {
  it("every Learn demo's quick size", () => {
    for (const demo of DEMOS) {
      for (const run of demo.sizes.quick.runs) {
        const plan = planMemory(run.spec, run.recipe, wasm);
        expect(plan.needBytes, `${demo.id}: ${run.label}`).toBeLessThanOrEqual(WASM_BUDGET_BYTES);
      }
    }
  });

  it("the study's default queue: resnext20_4x16d, C = 1, 2, 4, 8 at equal complexity, batch 128", () => {
    const study = cardinalityStudy(spec('resnext20_4x16d'), [1, 2, 4, 8], true);
    expect(study.arms).toHaveLength(4);
    for (const arm of study.arms) {
      const plan = planMemory(arm.spec, recipe(128), wasm);
      expect(plan.microBatch, `C = ${arm.cardinality}`).toBe(128);
      expect(plan.needBytes).toBeLessThanOrEqual(WASM_BUDGET_BYTES);
    }
  });
});
