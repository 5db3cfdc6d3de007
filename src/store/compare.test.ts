import { describe, expect, it } from 'vitest';
import { analyze, presetRecipe, presetSpec } from '../spec';
import type { EpochMetrics } from '../worker/protocol';
import {
  configDiff,
  distinctLabels,
  MISSING,
  settingLabel,
  summarizeRun,
  timeToAccuracy,
  toCsv,
} from './compare';
import { useCompareSelection } from './compareSelection';
import type { RunRecord } from './history';

const epoch = (n: number, testAcc: number, seconds = 10): EpochMetrics => ({
  epoch: n,
  trainLoss: 2,
  trainAcc: testAcc + 5,
  testLoss: 1.5,
  testAcc,
  perClassAcc: [],
  seconds,
});

function run(runId: string, edit: (r: RunRecord) => void = () => {}): RunRecord {
  const record: RunRecord = {
    runId,
    createdAt: 0,
    config: {
      runId,
      spec: presetSpec('resnet8')!,
      recipe: presetRecipe('quick')!,
      dataset: 'cifar10',
      backend: 'wasm',
      limitTrain: 256,
      limitTest: 100,
    },
    status: 'done',
    backend: 'wasm',
    adapter: null,
    epochs: [],
    losses: [],
    results: null,
    error: null,
  };
  edit(record);
  return record;
}

describe('configDiff', () => {
  it('is empty for identical configs, whatever the run ids and limits on the test split', () => {
    expect(configDiff([run('a'), run('b', (r) => (r.config.limitTest = 7))])).toEqual([]);
  });

  it('lists only the differing paths, arrays by index, one value per run', () => {
    const a = run('a');
    const b = run('b', (r) => {
      r.config.recipe.optimizer.lr = 0.1;
      r.config.spec.stages[1].cardinality = 4;
      r.config.dataset = 'cifar100';
      r.config.limitTrain = 0;
    });
    expect(configDiff([a, b])).toEqual([
      { path: 'spec.stages.1.cardinality', values: ['1', '4'] },
      { path: 'recipe.optimizer.lr', values: ['0.05', '0.1'] },
      { path: 'dataset', values: ['cifar10', 'cifar100'] },
      { path: 'limitTrain', values: ['256', '0'] },
    ]);
  });

  it('shows a path missing from one run as a dash, and empty arrays and booleans readably', () => {
    const a = run('a');
    const b = run('b', (r) => {
      r.config.recipe.schedule = { kind: 'multistep', milestones: [], gamma: 0.1 };
      r.config.spec.residual = false;
    });
    const c = run('c', (r) => {
      r.config.recipe.schedule = { kind: 'multistep', milestones: [80, 120], gamma: 0.1 };
    });
    const diff = Object.fromEntries(configDiff([a, b, c]).map((d) => [d.path, d.values]));
    expect(diff['spec.residual']).toEqual(['yes', 'no', 'yes']);
    expect(diff['recipe.schedule.kind']).toEqual(['constant', 'multistep', 'multistep']);
    expect(diff['recipe.schedule.milestones']).toEqual([MISSING, '[]', MISSING]);
    expect(diff['recipe.schedule.milestones.0']).toEqual([MISSING, MISSING, '80']);
    expect(diff['recipe.schedule.gamma']).toEqual([MISSING, '0.1', '0.1']);
  });
});

describe('labels', () => {
  it('names settings in words, stages and list items counted from 1', () => {
    expect(settingLabel('recipe.optimizer.lr')).toBe('learning rate');
    expect(settingLabel('spec.stages.0.cardinality')).toBe('stage 1 cardinality C');
    expect(settingLabel('spec.stages.2.bottleneckWidth')).toBe('stage 3 bottleneck width');
    expect(settingLabel('recipe.schedule.milestones.1')).toBe('milestones #2');
    expect(settingLabel('spec.stem.channels')).toBe('stem width');
    expect(settingLabel('limitTrain')).toBe('train images');
    expect(settingLabel('dataset')).toBe('dataset');
  });

  it('tells runs that differ only in learning rate apart', () => {
    const labels = distinctLabels([
      run('a'),
      run('b', (r) => (r.config.recipe.optimizer.lr = 0.1)),
    ]);
    expect(labels[0]).toMatch(/^ResNet-8, 1 epoch, batch 32 · learning rate 0\.05$/);
    expect(labels[1]).toMatch(/· learning rate 0\.1$/);
  });
});

describe('summarizeRun', () => {
  it('takes best and final metrics, total time, step time and the counts of the spec', () => {
    const r = run('a', (r) => {
      // Epochs 1–2 on the run's first 500 test images, the last on all of them.
      const subset = { testImages: 500, testSplitImages: 10_000 };
      r.epochs = [
        { ...epoch(1, 30, 12), ...subset },
        { ...epoch(2, 45, 10), ...subset },
        { ...epoch(3, 40, 11), testImages: 10_000, testSplitImages: 10_000 },
      ];
      r.imagesPerSecond = 64;
    });
    const totals = analyze(r.config.spec).totals;
    expect(summarizeRun(r)).toEqual({
      runId: 'a',
      label: 'ResNet-8, 1 epoch, batch 32',
      epochs: 3,
      bestTestAcc: 45,
      finalTestAcc: 40,
      bestTestImages: { images: 500, of: 10_000 },
      finalTestImages: { images: 10_000, of: 10_000 },
      finalTrainAcc: 45,
      finalTestLoss: 1.5,
      seconds: 33,
      imagesPerSecond: 64,
      msPerStep: 500,
      params: totals.params,
      macs: totals.macs,
    });
  });

  it('has nulls before the first epoch and without a throughput', () => {
    const s = summarizeRun(run('a', (r) => (r.imported = imported)));
    expect(s).toMatchObject({
      epochs: 0,
      bestTestAcc: null,
      finalTestAcc: null,
      seconds: 0,
      imagesPerSecond: null,
      msPerStep: null,
    });
    expect(s.label).toMatch(/^Imported w\.safetensors: ResNet/);
  });
});

const imported = {
  fileName: 'w.safetensors',
  epoch: 0,
  fromFile: { spec: true, recipe: true, dataset: true },
  cardinalVersion: null,
};

describe('timeToAccuracy', () => {
  const epochs = [epoch(1, 30, 12), epoch(2, 45, 10), epoch(3, 50, 11)];
  it('finds the first epoch at or above the target, with cumulative seconds', () => {
    expect(timeToAccuracy(epochs, 45)).toEqual({ epoch: 2, seconds: 22 });
    expect(timeToAccuracy(epochs, 10)).toEqual({ epoch: 1, seconds: 12 });
  });
  it('is null when no epoch reaches it', () => {
    expect(timeToAccuracy(epochs, 51)).toBeNull();
    expect(timeToAccuracy([], 0)).toBeNull();
  });
});

describe('toCsv', () => {
  it('quotes as RFC 4180, leaves nulls empty and numbers as they are', () => {
    expect(
      toCsv(
        ['run', 'acc'],
        [
          ['ResNet 1-1-1, 1 epoch', 41.5],
          ['say "hi"', null],
          ['two\nlines', NaN],
        ],
      ),
    ).toBe('run,acc\r\n"ResNet 1-1-1, 1 epoch",41.5\r\n"say ""hi""",\r\n"two\nlines",\r\n');
  });
});

describe('useCompareSelection', () => {
  it('keeps the ticking order, unticks and clears', () => {
    const { toggle, clear } = useCompareSelection.getState();
    toggle('b');
    toggle('a');
    toggle('c');
    toggle('a');
    expect(useCompareSelection.getState().selected).toEqual(['b', 'c']);
    clear();
    expect(useCompareSelection.getState().selected).toEqual([]);
  });
});
