import { describe, expect, it } from 'vitest';
import { PRESETS } from '../spec/presets';
import { presetRecipe } from '../spec/recipes';
import type { RunRecord } from './history';
import { decideRecovery, retryConfig } from './recovery';

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'run-1',
    createdAt: 0,
    config: {
      runId: 'run-1',
      spec: PRESETS.resnet20.spec,
      recipe: { ...presetRecipe('quick')!, batchSize: 128 },
      dataset: 'cifar10',
      backend: 'wasm',
      limitTrain: 0,
      limitTest: 0,
    },
    status: 'running',
    backend: 'wasm',
    adapter: null,
    epochs: [],
    losses: [],
    results: null,
    error: null,
    ...overrides,
  };
}

const epoch = {
  epoch: 1,
  trainLoss: 1,
  trainAcc: 1,
  testLoss: 1,
  testAcc: 1,
  perClassAcc: [],
  seconds: 1,
};

describe('decideRecovery', () => {
  it('resumes from the checkpoint with half the images per forward when memory was the cause', () => {
    const decision = decideRecovery(run({ epochs: [epoch] }), 'Aborted()', true);
    if (!('resume' in decision)) throw new Error('expected a resume');
    expect(decision.resume.config.maxMicroBatch).toBe(64);
    expect(decision.resume.config.recipe.batchSize).toBe(128);
    expect(decision.resume.recoveries).toHaveLength(1);
    expect(decision.resume.recoveries![0]).toMatchObject({ epoch: 1, memory: true });
    expect(decision.note).toMatch(/worker was replaced .* epoch-1 checkpoint, at most 64 images/);
  });

  it('keeps the batch when the device was lost for another reason', () => {
    const decision = decideRecovery(run(), 'device lost', false);
    if (!('resume' in decision)) throw new Error('expected a resume');
    expect(decision.resume.config.maxMicroBatch).toBeUndefined();
    expect(decision.note).toMatch(/from the start \(no checkpoint yet\)\.$/);
  });

  it('halves from the micro-batch the plan used, and gives up below 8 with a smaller batch', () => {
    const planned = run({
      memory: {
        batch: 128,
        microBatch: 12,
        recompute: true,
        estimateBytes: 1,
        needBytes: 1,
        budget: { totalBytes: 1, tensorBytes: null, source: 'test' },
        note: null,
      },
    });
    const decision = decideRecovery(planned, 'Aborted()', true);
    expect(decision).toMatchObject({ smallerBatch: 64 });
    expect('error' in decision && decision.error).toMatch(/smaller batch/);
  });

  it('gives up after two losses at the same checkpoint', () => {
    let current = run();
    for (let i = 0; i < 2; i++) {
      const decision = decideRecovery(current, 'device lost', false);
      if (!('resume' in decision)) throw new Error(`expected a resume at try ${i + 1}`);
      current = decision.resume;
    }
    expect(decideRecovery(current, 'device lost', false)).toMatchObject({ smallerBatch: null });
    // A newer checkpoint since: the count starts again.
    expect('resume' in decideRecovery({ ...current, epochs: [epoch] }, 'device lost', false)).toBe(
      true,
    );
  });

  it('retries as a new run at the smaller batch without the recovery cap', () => {
    const config = retryConfig(
      run({ config: { ...run().config, maxMicroBatch: 16 } }),
      64,
      'run-2',
    );
    expect(config).toMatchObject({ runId: 'run-2', recipe: { batchSize: 64 } });
    expect(config.maxMicroBatch).toBeUndefined();
  });
});
