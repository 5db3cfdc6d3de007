// Named training recipes, each traced to its reference (see /shared/reference). Recipes are
// frozen: copy one (presetRecipe) before editing it.
//
// Batch sizes: step-160 keeps He et al.'s 128 (the schedule is theirs: 0.1, ÷10 at 32k and 48k
// iterations ≈ epochs 80 and 120 at batch 128). step-200 and cos-200 use 64, the CIFAR ResNet
// factory notebook's default (`train(..., batch_size=64)`), the batch of its step-200 model
// table and the best column of its ResNet-56 CIFAR-100 table (its step-160 table used 256).

import { deepFreeze } from './frozen';
import type { AugmentSpec, OptimizerSpec, Recipe, ScheduleSpec } from './types';

export interface NamedRecipe {
  recipe: Recipe;
  /** One line: where the recipe comes from. */
  description: string;
}

const CROP_FLIP: AugmentSpec = { crop: true, flip: true, colorJitter: null, randomErasing: 0 };
const NO_AUGMENT: AugmentSpec = { crop: false, flip: false, colorJitter: null, randomErasing: 0 };

const sgd = (lr: number, weightDecay: number): OptimizerSpec => ({
  kind: 'sgd',
  lr,
  momentum: 0.9,
  nesterov: false,
  weightDecay,
});

function recipe(
  optimizer: OptimizerSpec,
  schedule: ScheduleSpec,
  epochs: number,
  batchSize: number,
  overrides: Partial<Recipe> = {},
): Recipe {
  return {
    optimizer,
    schedule,
    epochs,
    batchSize,
    labelSmoothing: 0,
    gradClip: 0,
    augment: CROP_FLIP,
    validationSplit: 0,
    seed: 0,
    ...overrides,
  };
}

export const RECIPES: Record<string, NamedRecipe> = deepFreeze({
  'step-160': {
    recipe: recipe(
      sgd(0.1, 1e-4),
      { kind: 'multistep', milestones: [80, 120], gamma: 0.1 },
      160,
      128,
    ),
    description:
      'He et al. / factory notebook "step-160": SGD 0.1, ÷10 at epochs 80 and 120, wd 1e-4',
  },
  'step-200': {
    // The notebook's prose says milestones [60, 120, 250]; its code (used here) says [60, 120, 160].
    recipe: recipe(
      sgd(0.1, 5e-4),
      { kind: 'multistep', milestones: [60, 120, 160], gamma: 0.2 },
      200,
      64,
    ),
    description: 'factory notebook "step-200": SGD 0.1, ×0.2 at epochs 60, 120, 160, wd 5e-4',
  },
  'cos-200': {
    recipe: recipe(sgd(0.1, 5e-4), { kind: 'cosine', tMax: 200, etaMin: 0 }, 200, 64),
    description: 'factory notebook "cos-200": SGD 0.1, cosine annealing over 200 epochs, wd 5e-4',
  },
  'notebook-onecycle': {
    // OneCycleLR's max_lr replaces AdamW's lr (3e-3); PyTorch's default cycle_momentum also
    // cycles AdamW's beta1 between 0.85 and 0.95 — part of the onecycle semantics.
    recipe: recipe(
      { kind: 'adamw', lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
      {
        kind: 'onecycle',
        maxLr: 1e-2,
        pctStart: 0.3,
        divFactor: 25,
        finalDivFactor: 1000,
        anneal: 'cos',
      },
      40,
      1024,
      {
        labelSmoothing: 0.1,
        gradClip: 5,
        augment: {
          crop: true,
          flip: true,
          colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.1 },
          randomErasing: 0.25,
        },
        validationSplit: 0.1,
      },
    ),
    description:
      'ResNeXt CIFAR-100 notebook: AdamW + one-cycle (max 1e-2), label smoothing 0.1, clip 5, jitter, erasing, 90/10 split',
  },
  'notebook-sgd': {
    recipe: recipe(sgd(0.01, 1e-5), { kind: 'constant' }, 70, 256),
    description: 'CIFAR-100 ResNet blog: SGD 0.01, momentum 0.9, wd 1e-5, batch 256, 70 epochs',
  },
  quick: {
    // For demos and tests: one short epoch, no augmentation (fewest moving parts).
    recipe: recipe(sgd(0.05, 5e-4), { kind: 'constant' }, 1, 32, { augment: NO_AUGMENT }),
    description: 'A one-epoch smoke test: SGD 0.05, batch 32, constant rate, no augmentation',
  },
});

export function recipeNames(): string[] {
  return Object.keys(RECIPES);
}

/** A fresh, editable copy of a named recipe (undefined for an unknown name). */
export function presetRecipe(name: string): Recipe | undefined {
  return Object.hasOwn(RECIPES, name) ? structuredClone(RECIPES[name].recipe) : undefined;
}
