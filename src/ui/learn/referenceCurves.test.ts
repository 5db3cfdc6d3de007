import { describe, expect, it } from 'vitest';
import { demoById } from '../../spec/demos';
import type { ReferenceFile } from '../../spec/reference';
import type { RunRecord } from '../../store/history';
import { seriesColor } from '../compare/palette';
import {
  gapCurves,
  type CurveRun,
  referenceEpochCurves,
  referenceLossCurves,
  runEpochCurves,
  runLossCurves,
} from './referenceCurves';

const plan = demoById('augmentation')!.sizes.quick; // crop + flip, no augmentation: 5,000 images

const epoch = (n: number, trainAcc: number, testAcc: number) => ({
  epoch: n,
  trainLoss: 2 - n / 10,
  trainAcc,
  testLoss: 2,
  testAcc,
  seconds: 1,
});

// The arms in the file in the other order than the plan's: colours follow the plan.
const file = {
  trainImages: 5_000,
  arms: [
    {
      label: 'no augmentation',
      loss: [
        [128, 2.3],
        [256, 2.1],
      ],
      epochs: [epoch(1, 30, 25), epoch(2, 50, 35)],
      seconds: 1,
    },
    { label: 'crop + flip', loss: [[128, 2.3]], epochs: [epoch(1, 25, 27)], seconds: 1 },
  ],
} as unknown as ReferenceFile;

/** A user's run shortened to 300 images at batch 128: steps end at 128, 256, 300, 428… */
const userRun = {
  item: { id: 'r1', label: 'crop + flip' },
  color: seriesColor(0),
  run: {
    config: { limitTrain: 300, recipe: { batchSize: 128 } },
    losses: [1, 2, 3, 4].map((step) => ({ step, loss: 2, lr: 0.1 })),
    epochs: [{ epoch: 1, trainLoss: 2, trainAcc: 20, testLoss: 2.1, testAcc: 18, seconds: 1 }],
  } as unknown as RunRecord,
} satisfies CurveRun;

describe('reference curves', () => {
  it('colours each reference arm as its run in the plan', () => {
    const curves = referenceLossCurves(file, plan);
    expect(curves.map((c) => c.color)).toEqual([seriesColor(1), seriesColor(0)]);
    expect(curves[0].points.map((p) => p.x)).toEqual([128, 256]);
  });

  it('puts a shortened run on the same axis: images seen, not steps or epochs', () => {
    const [loss] = runLossCurves([userRun]);
    expect(loss.points.map((p) => p.x)).toEqual([128, 256, 300, 428]);
    expect(loss.color).toBe(seriesColor(0));
    expect(runEpochCurves([userRun], 'testAcc')[0].points).toEqual([{ x: 300, y: 18 }]);
    expect(referenceEpochCurves(file, plan, 'testAcc')[0].points).toEqual([
      { x: 5_000, y: 25 },
      { x: 10_000, y: 35 },
    ]);
    // A run that has not started has no curve.
    expect(runLossCurves([{ ...userRun, run: undefined }])).toEqual([]);
  });

  it('pairs test and train accuracy for the gap view, train in a colour after the arms', () => {
    const test = referenceEpochCurves(file, plan, 'testAcc');
    const train = referenceEpochCurves(file, plan, 'trainAcc');
    const gap = gapCurves(test, train, plan);
    expect(gap.map((c) => c.label)).toEqual([
      'no augmentation: test',
      'no augmentation: train',
      'crop + flip: test',
      'crop + flip: train',
    ]);
    expect(gap[1].points.map((p) => p.y)).toEqual([30, 50]);
    // no augmentation is the plan's second run: its train line takes the fourth colour.
    expect(gap[1].color).toBe(seriesColor(3));
    expect(gap[3].color).toBe(seriesColor(2));
  });
});
