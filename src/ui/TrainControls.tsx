import { availability, useData } from '../store/data';
import { useEnvironment } from '../store/environment';
import { useLab } from '../store/lab';
import { useRun } from '../store/run';
import { useMemo } from 'react';
import { closestRecipe, RECIPES, recipeNames, presetRecipe, type Recipe } from '../spec';
import type { BackendChoice } from '../engine/setBackend';
import { BackendWhy } from './BackendWhy';
import { DataProgress } from './DataProgress';
import { RecipeDetails } from './RecipeDetails';

const LIMITS = [0, 5000, 1000, 256];
/** The Recipe box's value for a named recipe with some values changed. */
const EDITED = 'edited';

/** Recipe, backend, size of the run, and Train / Pause / Resume / Stop. */
export function TrainControls() {
  const { spec, recipe, specIssues, setRecipe } = useLab();
  const dataset = useData((s) => s.dataset);
  // Cached, or the lab's server can supply it: then Train fetches it first (one click).
  const dataReady = useData((s) => availability(s, dataset) !== 'missing');
  const probes = useEnvironment((s) => s.backends);
  // Selectors, not the whole store: progress events arrive every 250 ms while training.
  const backend = useRun((s) => s.backend);
  const status = useRun((s) => s.status);
  const stopping = useRun((s) => s.stopping);
  const { chooseBackend, start, pause, resume, stop } = useRun.getState();
  const limitTrain = useLab((s) => s.limitTrain);
  const setLimitTrain = useLab((s) => s.setLimitTrain);

  const active = status === 'running' || status === 'paused';
  const blocker = specIssues.length
    ? `The network has ${specIssues.length} problem${specIssues.length > 1 ? 's' : ''}: ${specIssues[0].message}`
    : !dataReady
      ? 'Get the dataset first (Data panel).'
      : null;
  const edit = (change: Partial<Recipe>) => setRecipe({ ...recipe, ...change });
  const closest = useMemo(() => closestRecipe(recipe), [recipe]);
  const oneCycle = recipe.schedule.kind === 'onecycle' ? recipe.schedule : null;
  const setNumber = (value: string, apply: (n: number) => void) => {
    const n = Number(value);
    if (Number.isFinite(n) && n > 0) apply(n);
  };

  return (
    <div className="train-controls">
      <div className="fields">
        <label>
          Recipe
          <select
            data-testid="recipe-select"
            value={closest.changes === 0 ? closest.name : EDITED}
            onChange={(e) => e.target.value !== EDITED && setRecipe(presetRecipe(e.target.value)!)}
            disabled={active}
          >
            {/* An edited recipe keeps the name of the one it is closest to (as the URL does). */}
            {closest.changes > 0 && <option value={EDITED}>{closest.name} (edited)</option>}
            {recipeNames().map((name) => (
              <option key={name} value={name} title={RECIPES[name].description}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Epochs
          <input
            data-testid="epochs-input"
            type="number"
            min={1}
            value={recipe.epochs}
            disabled={active}
            onChange={(e) =>
              setNumber(e.target.value, (epochs) => edit({ epochs: Math.round(epochs) }))
            }
          />
        </label>
        <label>
          Batch
          <input
            data-testid="batch-input"
            type="number"
            min={1}
            value={recipe.batchSize}
            disabled={active}
            onChange={(e) =>
              setNumber(e.target.value, (batchSize) => edit({ batchSize: Math.round(batchSize) }))
            }
          />
        </label>
        <label>
          {/* OneCycleLR ignores the optimizer's lr: there the field is its max_lr. */}
          {oneCycle ? 'Max learning rate' : 'Learning rate'}
          <input
            data-testid="lr-input"
            type="number"
            step="any"
            value={oneCycle ? oneCycle.maxLr : recipe.optimizer.lr}
            disabled={active}
            onChange={(e) =>
              setNumber(e.target.value, (lr) =>
                oneCycle
                  ? edit({ schedule: { ...oneCycle, maxLr: lr } })
                  : edit({ optimizer: { ...recipe.optimizer, lr } }),
              )
            }
          />
        </label>
        <label>
          Train images
          <select
            data-testid="limit-select"
            value={limitTrain}
            disabled={active}
            onChange={(e) => setLimitTrain(Number(e.target.value))}
          >
            {/* A link may carry a limit the list does not offer. */}
            {(LIMITS.includes(limitTrain) ? LIMITS : [...LIMITS, limitTrain]).map((n) => (
              <option key={n} value={n}>
                {n === 0 ? 'all' : `first ${n.toLocaleString('en-US')}`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Seed
          <input
            data-testid="seed-input"
            type="number"
            value={recipe.seed}
            disabled={active}
            onChange={(e) =>
              Number.isInteger(Number(e.target.value)) && edit({ seed: Number(e.target.value) })
            }
          />
        </label>
        <label>
          Backend
          <select
            data-testid="backend-select"
            value={backend}
            disabled={active}
            onChange={(e) => chooseBackend(e.target.value as BackendChoice)}
          >
            <option value="auto">auto (best available)</option>
            {(probes ?? []).map((p) => (
              <option key={p.name} value={p.name} disabled={!p.available} title={p.detail}>
                {p.name}
                {p.available ? '' : ' (unavailable)'}
              </option>
            ))}
          </select>
        </label>
      </div>
      <BackendWhy />
      <RecipeDetails disabled={active} />
      <div className="buttons">
        {!active && (
          <button
            type="button"
            data-testid="train-button"
            disabled={blocker !== null}
            title={blocker ?? 'Train this network'}
            onClick={() => start({ spec, recipe, dataset })}
          >
            ▶ Train
          </button>
        )}
        {status === 'running' && (
          <button type="button" data-testid="pause-button" className="ghost" onClick={pause}>
            ❚❚ Pause
          </button>
        )}
        {status === 'paused' && (
          <button type="button" data-testid="resume-button" onClick={resume}>
            ▶ Resume
          </button>
        )}
        {active && (
          <button
            type="button"
            data-testid="stop-button"
            className="ghost"
            disabled={stopping}
            title={stopping ? 'The run stops after the step under way' : undefined}
            onClick={stop}
          >
            {stopping ? 'Stopping…' : '■ Stop'}
          </button>
        )}
        {blocker && !active && (
          <span className="blocker" data-testid="train-blocker">
            {blocker}
          </span>
        )}
      </div>
      <DataProgress testId="train-data-progress" />
    </div>
  );
}
