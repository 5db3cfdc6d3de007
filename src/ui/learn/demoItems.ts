// A demo plan as queue items, optionally shortened. The Learn panel's "shorten" fields cap the
// train images and epochs of every run (0 leaves the demo's own value); the Training panel's
// train-image limit does not apply, because a demo's data subset is part of the experiment.
import type { QueuedExperiment } from '../../store/queue';
import type { DemoPlan } from '../../spec/demos';

export interface Shorten {
  /** At most this many train images per run (0 = the demo's). */
  maxTrainImages: number;
  /** At most this many epochs per run (0 = the demo's). */
  maxEpochs: number;
}

export const NO_SHORTEN: Shorten = { maxTrainImages: 0, maxEpochs: 0 };

/** min() where 0 means "no limit". */
const cap = (value: number, limit: number) =>
  limit > 0 ? (value > 0 ? Math.min(value, limit) : limit) : value;

/** The plan as it will run: every run's epochs and train images capped (the text and the
 * estimate describe this, the queue gets this). */
export function shortenPlan(plan: DemoPlan, shorten: Shorten): DemoPlan {
  return {
    ...plan,
    runs: plan.runs.map((run) => ({
      ...run,
      recipe: { ...run.recipe, epochs: cap(run.recipe.epochs, shorten.maxEpochs) },
      limitTrain: cap(run.limitTrain, shorten.maxTrainImages),
    })),
  };
}

export function demoItems(
  plan: DemoPlan,
  shorten: Shorten,
): { label: string; experiment: QueuedExperiment }[] {
  return shortenPlan(plan, shorten).runs.map((run) => ({
    label: run.label,
    experiment: {
      spec: structuredClone(run.spec),
      recipe: structuredClone(run.recipe),
      dataset: plan.dataset,
      limitTrain: run.limitTrain,
    },
  }));
}
