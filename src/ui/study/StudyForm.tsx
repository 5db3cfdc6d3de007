// The study's form: a template network, the cardinalities to try, "keep complexity fixed", the
// recipe and the run's size (epochs, batch, seed, train images) and the plan table; "Queue
// study" puts one run per cardinality in the run queue, every one with the same recipe and seed
// (same data order). The recipe is the study's own quick one (StudyRecipeNote) unless the user
// picks the Training panel's.
import { useMemo, useState } from 'react';
import { DATASETS } from '../../data/cifar';
import { autoForecast } from '../../engine/backends';
import {
  armLabel,
  cardinalityStudy,
  PRESETS,
  presetSpec,
  STUDY_CARDINALITIES,
  STUDY_DEFAULT_EPOCHS,
  STUDY_DEFAULT_TRAIN_IMAGES,
  STUDY_MEMORY_BUDGET,
  studyBatchFor,
  studyRecipe,
  type ArchSpec,
  type Recipe,
} from '../../spec';
import { useEnvironment } from '../../store/environment';
import { availability, useData } from '../../store/data';
import { useLab } from '../../store/lab';
import { useQueue } from '../../store/queueStore';
import { useRun } from '../../store/run';
import { DataProgress } from '../DataProgress';
import { TimeEstimate } from '../TimeEstimate';
import { StudyPlan } from './StudyPlan';
import { QueueHeldNote, StudyRecipeNote } from './StudyRecipeNote';

export const DEFAULT_TEMPLATE = 'resnext20_4x16d';
/** The template option that takes the network in the builder. */
const BUILDER = 'builder';
const DEFAULT_CARDINALITIES = [1, 2, 4, 8];

/** The presets a study can start from: those with bottleneck blocks (cardinality needs groups). */
const TEMPLATES = Object.keys(PRESETS).filter((name) =>
  PRESETS[name].spec.stages.some((s) => s.block === 'bottleneck'),
);

type RunSize = Pick<Recipe, 'epochs' | 'batchSize' | 'seed'>;
/** 'study': the study's own quick recipe; 'training': the Training panel's, as it is. */
type RecipeSource = 'study' | 'training';

function NumberField(props: {
  label: string;
  testId: string;
  value: number;
  min?: number;
  title?: string;
  onChange(n: number): void;
}) {
  const { label, testId, value, min, title, onChange } = props;
  return (
    <label title={title}>
      {label}
      <input
        data-testid={testId}
        type="number"
        min={min}
        value={value}
        onChange={(e) => {
          const n = Number(e.target.value);
          if (e.target.value !== '' && Number.isInteger(n) && (min === undefined || n >= min))
            onChange(n);
        }}
      />
    </label>
  );
}

export function StudyForm({ onQueued }: { onQueued(groupId: string): void }) {
  const labSpec = useLab((s) => s.spec);
  const labRecipe = useLab((s) => s.recipe);
  const dataset = useData((s) => s.dataset);
  // Cached, or the lab's server can supply it (the first run fetches it: one click).
  const cached = useData((s) => availability(s, dataset) !== 'missing');
  const backend = useRun((s) => s.backend);
  const probes = useEnvironment((s) => s.backends);
  const [template, setTemplate] = useState(DEFAULT_TEMPLATE);
  const [picked, setPicked] = useState<number[]>(DEFAULT_CARDINALITIES);
  const [keepComplexity, setKeepComplexity] = useState(true);
  const [source, setSource] = useState<RecipeSource>('study');
  // Epochs, batch and seed: the study's defaults (or the Training panel's recipe's, with that
  // recipe) until the user sets them here.
  const [size, setSize] = useState<Partial<RunSize>>({});
  const [limitChosen, setLimitTrain] = useState<number | null>(null);
  const classes = DATASETS[dataset].classes;

  const study = useMemo(() => {
    const base: ArchSpec = template === BUILDER ? labSpec : presetSpec(template)!;
    // The output layer follows the dataset, as in the builder.
    return cardinalityStudy({ ...base, classes }, picked, keepComplexity);
  }, [template, labSpec, classes, picked, keepComplexity]);
  const arms = study.arms.filter((a) => a.issues.length === 0);

  // The default batch: the largest whose memory estimate fits the backend the runs will get for
  // every arm (WASM aborts past its heap; a C = 8 arm needs more than C = 1).
  const runsOn = backend === 'auto' ? (probes ? autoForecast(probes).backend : null) : backend;
  const onGpu = runsOn === 'webgpu' || runsOn === 'webgl';
  const budget = onGpu ? STUDY_MEMORY_BUDGET.gpu : STUDY_MEMORY_BUDGET.cpu;
  const limitTrain =
    limitChosen ?? (onGpu ? STUDY_DEFAULT_TRAIN_IMAGES.gpu : STUDY_DEFAULT_TRAIN_IMAGES.cpu);
  const fittingBatch = useMemo(
    () =>
      studyBatchFor(
        study.arms.filter((a) => a.issues.length === 0).map((a) => a.spec),
        budget,
      ),
    [study, budget],
  );
  const recipe: Recipe =
    source === 'study'
      ? studyRecipe({
          epochs: size.epochs ?? STUDY_DEFAULT_EPOCHS,
          batchSize: size.batchSize ?? fittingBatch,
          seed: size.seed ?? 0,
        })
      : { ...labRecipe, ...size };
  // A paused queue starts nothing, a new study included, until it is continued.
  const held = useQueue((q) => q.held);

  const blocker = study.issues.length
    ? 'The template cannot be studied (see above).'
    : picked.length === 0
      ? 'Tick at least one cardinality.'
      : arms.length === 0
        ? 'None of these cardinalities can train (see the table).'
        : !cached
          ? `Get ${DATASETS[dataset].title} first (Data panel).`
          : null;

  function toggle(c: number, on: boolean) {
    setPicked((now) => (on ? [...now, c].sort((a, b) => a - b) : now.filter((x) => x !== c)));
  }

  function queue() {
    const cs = arms.map((a) => a.cardinality);
    const name = template === BUILDER ? 'the builder’s network' : template;
    const id = useQueue.getState().enqueue(
      {
        title: `Cardinality study: ${name}, C = ${cs.join(', ')}${keepComplexity ? '' : ' (widths kept)'}`,
        kind: 'study',
        meta: { template: name, cardinalities: cs, keepComplexity, dataset },
      },
      arms.map((a) => ({
        label: armLabel(a),
        experiment: { spec: a.spec, recipe, dataset, limitTrain },
      })),
    );
    // A queue paused earlier (by the user, or by a failed run) would keep the study waiting
    // with nothing said; the button says it continues the queue, and it does.
    if (held) useQueue.getState().release();
    onQueued(id);
  }

  return (
    <div className="study-form" data-testid="study-form">
      <div className="study-fields">
        <label>
          Template network
          <select
            data-testid="study-template"
            value={template}
            onChange={(e) => setTemplate(e.target.value)}
          >
            <option value={BUILDER}>the builder’s network</option>
            {TEMPLATES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="study-cs">
          <legend>Cardinalities C</legend>
          {STUDY_CARDINALITIES.map((c) => (
            <label key={c} className="check">
              <input
                type="checkbox"
                data-testid={`study-c-${c}`}
                checked={picked.includes(c)}
                onChange={(e) => toggle(c, e.target.checked)}
              />
              {c}
            </label>
          ))}
        </fieldset>
        <label className="check study-keep">
          <input
            type="checkbox"
            data-testid="study-keep-complexity"
            checked={keepComplexity}
            onChange={(e) => setKeepComplexity(e.target.checked)}
          />
          Keep complexity fixed
        </label>
      </div>
      <p className="muted study-hint">
        {keepComplexity
          ? 'Each C gets the per-path width d that keeps params and multiply-adds close to C = 1’s (ResNeXt paper, Table 2): more, thinner paths for the same budget.'
          : 'Every C keeps the template’s bottleneck widths, so d = width / C: the same widths split into more groups, which makes the network smaller as C grows.'}
      </p>
      <div className="study-fields">
        <label>
          Recipe
          <select
            data-testid="study-recipe"
            value={source}
            onChange={(e) => {
              setSource(e.target.value as RecipeSource);
              setSize({});
            }}
          >
            <option value="study">study default: quick, one-cycle</option>
            <option value="training">the Training panel’s</option>
          </select>
        </label>
        <NumberField
          label="Epochs"
          testId="study-epochs"
          min={1}
          value={recipe.epochs}
          onChange={(epochs) => setSize({ ...size, epochs })}
        />
        <NumberField
          label="Batch"
          testId="study-batch"
          min={1}
          value={recipe.batchSize}
          onChange={(batchSize) => setSize({ ...size, batchSize })}
        />
        <NumberField
          label="Seed"
          testId="study-seed"
          value={recipe.seed}
          title="Every run gets this seed: the same initial draw and the same data order"
          onChange={(seed) => setSize({ ...size, seed })}
        />
        <NumberField
          label="Train images (0 = all)"
          testId="study-limit"
          min={0}
          value={limitTrain}
          onChange={setLimitTrain}
        />
      </div>
      <StudyRecipeNote
        recipe={recipe}
        source={source}
        runsOn={runsOn}
        backend={backend}
        batchIsDefault={source === 'study' && size.batchSize === undefined}
        dataset={DATASETS[dataset].title}
      />
      <StudyPlan study={study} />
      <div className="buttons study-buttons">
        <button
          type="button"
          data-testid="study-queue"
          disabled={blocker !== null}
          title={blocker ?? 'Train these networks one after another'}
          onClick={queue}
        >
          Queue study ({arms.length} run{arms.length === 1 ? '' : 's'})
          {held && !blocker ? ' and continue the queue' : ''}
        </button>
        {blocker && <span className="blocker">{blocker}</span>}
        {held && !blocker && <QueueHeldNote />}
      </div>
      {arms.length > 0 && (
        <p className="muted">
          <TimeEstimate
            runs={arms.map((a) => ({ spec: a.spec, recipe, limitTrain }))}
            testId="study-takes"
          />
        </p>
      )}
      <DataProgress testId="study-data-progress" forQueued="study" />
    </div>
  );
}
