import { useLab } from '../store/lab';
import type { Recipe, ScheduleSpec } from '../spec';

/** The schedule in words: its kind and its numbers, as PyTorch would be told them. */
function scheduleText(s: ScheduleSpec): string {
  switch (s.kind) {
    case 'constant':
      return 'constant learning rate';
    case 'multistep':
      return `MultiStepLR: ×${s.gamma} at epochs ${s.milestones.join(', ')}`;
    case 'cosine':
      return `CosineAnnealingLR over ${s.tMax} epochs (to ${s.etaMin})`;
    case 'onecycle':
      return `OneCycleLR: max ${s.maxLr}, ${Math.round(s.pctStart * 100)}% warm-up, ÷${s.divFactor} start, ÷${s.finalDivFactor} end (${s.anneal})`;
  }
}

/** The rest of the recipe's hyper-parameters, folded away until asked for. */
export function RecipeDetails({ disabled }: { disabled: boolean }) {
  const recipe = useLab((s) => s.recipe);
  const setRecipe = useLab((s) => s.setRecipe);
  const edit = (change: Partial<Recipe>) => setRecipe({ ...recipe, ...change });
  const { optimizer, augment } = recipe;
  /** A number field that accepts 0 and up (to `max`); anything else is ignored as typed. */
  const field = (label: string, value: number, apply: (n: number) => void, max = Infinity) => (
    <label key={label}>
      {label}
      <input
        type="number"
        step="any"
        min={0}
        value={value}
        disabled={disabled}
        onChange={(e) => {
          const n = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(n) && n >= 0 && n <= max) apply(n);
        }}
      />
    </label>
  );
  const toggle = (label: string, on: boolean, apply: (on: boolean) => void) => (
    <label className="check" key={label}>
      <input
        type="checkbox"
        checked={on}
        disabled={disabled}
        onChange={(e) => apply(e.target.checked)}
      />
      {label}
    </label>
  );

  return (
    <details className="recipe-details" data-testid="recipe-details">
      <summary>
        More hyper-parameters: {optimizer.kind === 'sgd' ? 'SGD' : 'AdamW'},{' '}
        {scheduleText(recipe.schedule)}
      </summary>
      <div className="fields">
        {optimizer.kind === 'sgd'
          ? field(
              'Momentum',
              optimizer.momentum,
              (momentum) => edit({ optimizer: { ...optimizer, momentum } }),
              1,
            )
          : field(
              'β1',
              optimizer.beta1,
              (beta1) => edit({ optimizer: { ...optimizer, beta1 } }),
              1,
            )}
        {field('Weight decay', optimizer.weightDecay, (weightDecay) =>
          edit({ optimizer: { ...optimizer, weightDecay } }),
        )}
        {field(
          'Label smoothing',
          recipe.labelSmoothing,
          (labelSmoothing) => edit({ labelSmoothing }),
          0.99,
        )}
        {field('Clip grad norm (0 = off)', recipe.gradClip, (gradClip) => edit({ gradClip }))}
        {field(
          'Validation split',
          recipe.validationSplit,
          (validationSplit) => edit({ validationSplit }),
          0.9,
        )}
        {toggle('random crop', augment.crop, (crop) => edit({ augment: { ...augment, crop } }))}
        {toggle('horizontal flip', augment.flip, (flip) => edit({ augment: { ...augment, flip } }))}
        {optimizer.kind === 'sgd' &&
          toggle('Nesterov', optimizer.nesterov, (nesterov) =>
            edit({ optimizer: { ...optimizer, nesterov } }),
          )}
      </div>
    </details>
  );
}
