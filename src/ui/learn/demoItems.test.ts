import { describe, expect, it } from 'vitest';
import { demoById } from '../../spec/demos';
import { demoItems, NO_SHORTEN } from './demoItems';
import { latestDemoGroup } from './useDemoGroup';

describe('demoItems', () => {
  const quick = demoById('degradation')!.sizes.quick;
  const full = demoById('degradation')!.sizes.full;

  it('queues every run of the plan as it is', () => {
    const items = demoItems(quick, NO_SHORTEN);
    expect(items.map((i) => i.label)).toEqual(quick.runs.map((r) => r.label));
    expect(items[1].experiment).toEqual({
      spec: quick.runs[1].spec,
      recipe: quick.runs[1].recipe,
      dataset: 'cifar10',
      limitTrain: 10_000,
    });
    expect(items[1].experiment.spec).not.toBe(quick.runs[1].spec);
  });

  it('caps images and epochs, never raising them; 0 leaves a value alone', () => {
    const short = demoItems(quick, { maxTrainImages: 64, maxEpochs: 1 })[0].experiment;
    expect([short.limitTrain, short.recipe.epochs]).toEqual([64, 1]);
    const loose = demoItems(quick, { maxTrainImages: 20_000, maxEpochs: 50 })[0].experiment;
    expect([loose.limitTrain, loose.recipe.epochs]).toEqual([10_000, 3]);
    // The full size trains on all images (0): a cap makes it a subset.
    expect(demoItems(full, { maxTrainImages: 500, maxEpochs: 0 })[0].experiment.limitTrain).toBe(
      500,
    );
    expect(demoItems(full, NO_SHORTEN)[0].experiment.limitTrain).toBe(0);
  });
});

describe('latestDemoGroup', () => {
  const group = (id: string, demo: string, createdAt: number, kind: 'demo' | 'study' = 'demo') => ({
    id,
    title: id,
    kind,
    createdAt,
    meta: { demo },
  });

  it('finds the newest group of the demo, ignoring studies and other demos', () => {
    const groups = [
      group('a', 'degradation', 1),
      group('b', 'degradation', 3),
      group('c', 'shortcuts', 4),
      group('d', 'degradation', 5, 'study'),
    ];
    expect(latestDemoGroup(groups, 'degradation')?.id).toBe('b');
    expect(latestDemoGroup(groups, 'blocks')).toBeUndefined();
  });
});
