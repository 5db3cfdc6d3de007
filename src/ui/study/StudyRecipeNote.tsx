// What the study will train with, said before it is queued: the recipe in words (for the study's
// own: the peak rate and how it follows the batch) and why the batch is what it is. (How long it
// takes: the TimeEstimate under the Queue button.)
import { STUDY_REFERENCE, type Recipe } from '../../spec';
import { useQueue } from '../../store/queueStore';

const lrText = (recipe: Recipe) =>
  recipe.schedule.kind === 'onecycle'
    ? `a one-cycle rate peaking at ${recipe.schedule.maxLr}`
    : `lr ${recipe.optimizer.lr}, ${recipe.schedule.kind} schedule`;

export function StudyRecipeNote(props: {
  recipe: Recipe;
  source: 'study' | 'training';
  /** The backend the runs will get (auto's forecast), null while unknown. */
  runsOn: string | null;
  backend: string;
  batchIsDefault: boolean;
  dataset: string;
}) {
  const { recipe, source, runsOn, backend, batchIsDefault, dataset } = props;
  const where = backend === 'auto' && runsOn ? `auto → ${runsOn}` : backend;
  return (
    <div className="muted study-hint" data-testid="study-recipe-note">
      {source === 'study' ? (
        <p>
          The study’s own quick recipe: SGD (momentum 0.9, weight decay 5e-4) with {lrText(recipe)}{' '}
          = {STUDY_REFERENCE.lr} × {recipe.batchSize}/{STUDY_REFERENCE.batchSize} (the linear
          scaling rule from the ResNeXt paper’s 0.1 at batch {STUDY_REFERENCE.batchSize}): a
          warm-up, then a cosine fall, so a few short runs learn. Crop + flip.
          {batchIsDefault &&
            ` Batch ${recipe.batchSize}: the largest whose memory estimate fits ${runsOn === 'webgpu' || runsOn === 'webgl' ? 'a GPU' : 'WASM (it aborts past about 2 GB)'} for every arm.`}
        </p>
      ) : (
        <p>
          The Training panel’s recipe: {recipe.optimizer.kind}, {lrText(recipe)}. Short runs need a
          warm-up; at a high constant rate their loss can rise.
        </p>
      )}
      <p>
        {dataset}, backend {where} (set in the Training panel).
      </p>
    </div>
  );
}

/** At the Queue button while the run queue is paused: the study would wait, so it continues it. */
export function QueueHeldNote() {
  const heldBecause = useQueue((q) => q.heldBecause);
  return (
    <span className="blocker" data-testid="study-queue-held">
      {heldBecause
        ? 'The run queue was paused when a run failed (see the queue below)'
        : 'The run queue is paused'}
      : queuing this study continues it.
    </span>
  );
}
