// A demo's reference arms and the user's runs as chart curves on one axis: images seen. The
// reference trained the quick size; a run shortened to fewer images or epochs then ends early on
// the same axis instead of being stretched across it. Each arm keeps its colour in both (the
// colour of its row in the demo's tables), so a user's run and its reference read as a pair.
import type { DemoPlan } from '../../spec/demos';
import { imagesSeen, type ReferenceEpoch, type ReferenceFile } from '../../spec/reference';
import type { RunRecord } from '../../store/history';
import type { EpochMetrics } from '../../worker/protocol';
import { seriesColor } from '../compare/palette';
import { smooth } from '../smoothLoss';

export interface Curve {
  id: string;
  label: string;
  color: string;
  points: { x: number; y: number }[];
}

export type EpochValue = 'testAcc' | 'trainAcc';

/** What a curve needs of a group's run (useGroupRuns' GroupRun has it). */
export interface CurveRun {
  item: { id: string; label: string };
  run: RunRecord | undefined;
  color: string;
}

const CIFAR10_TRAIN = 50_000;

/** An arm's colour: its run's place in the plan (as the queue colours the user's runs). */
export function armColor(plan: DemoPlan, label: string, fallback: number): string {
  const i = plan.runs.findIndex((r) => r.label === label);
  return seriesColor(i >= 0 ? i : fallback);
}

/** Train images per epoch of a user's run. */
const runImages = (run: RunRecord) => run.config.limitTrain || CIFAR10_TRAIN;

/** The run view's loss smoothing (an EMA) applied to [x, loss] points. */
function smoothed(points: [number, number][]): { x: number; y: number }[] {
  return smooth(points.map(([x, loss]) => ({ x, loss }))).map((p) => ({ x: p.x, y: p.smoothed }));
}

export function referenceLossCurves(file: ReferenceFile, plan: DemoPlan): Curve[] {
  return file.arms.map((arm, i) => ({
    id: `reference-${i}`,
    label: arm.label,
    color: armColor(plan, arm.label, i),
    points: smoothed(arm.loss),
  }));
}

export function runLossCurves(runs: CurveRun[]): Curve[] {
  return runs.flatMap(({ item, run, color }) => {
    if (!run) return [];
    const images = runImages(run);
    const batch = run.config.recipe.batchSize;
    const points = run.losses.map((p): [number, number] => [
      imagesSeen(p.step, images, batch),
      p.loss,
    ]);
    return [{ id: item.id, label: item.label, color, points: smoothed(points) }];
  });
}

const epochPoints = (
  epochs: readonly (ReferenceEpoch | EpochMetrics)[],
  images: number,
  value: EpochValue,
) => epochs.flatMap((e) => (e[value] == null ? [] : [{ x: e.epoch * images, y: e[value] }]));

export function referenceEpochCurves(
  file: ReferenceFile,
  plan: DemoPlan,
  value: EpochValue,
): Curve[] {
  return file.arms.map((arm, i) => ({
    id: `reference-${i}`,
    label: arm.label,
    color: armColor(plan, arm.label, i),
    points: epochPoints(arm.epochs, file.trainImages, value),
  }));
}

export function runEpochCurves(runs: CurveRun[], value: EpochValue): Curve[] {
  return runs.flatMap(({ item, run, color }) =>
    run
      ? [
          {
            id: item.id,
            label: item.label,
            color,
            points: epochPoints(run.epochs, runImages(run), value),
          },
        ]
      : [],
  );
}

/**
 * Train and test accuracy together (the augmentation demo's gap): each curve twice, its test
 * accuracy in its colour and its train accuracy in a colour after all the arms' (by its place
 * in the plan, so a reference arm and the user's run of it match here too).
 */
export function gapCurves(test: Curve[], train: Curve[], plan: DemoPlan): Curve[] {
  return test.flatMap((t, i) => {
    const tr = train.find((c) => c.id === t.id);
    const place = plan.runs.findIndex((r) => r.label === t.label);
    const color = seriesColor(plan.runs.length + (place >= 0 ? place : i));
    return [
      { ...t, id: `${t.id}-test`, label: `${t.label}: test` },
      ...(tr ? [{ ...tr, id: `${tr.id}-train`, label: `${tr.label}: train`, color }] : []),
    ];
  });
}

/** The last epoch of an arm, for the figures the demo quotes. */
export const finalEpoch = (file: ReferenceFile, label: string): ReferenceEpoch | undefined =>
  file.arms.find((a) => a.label === label)?.epochs.at(-1);
