import { describe, expect, it } from 'vitest';
import { RECIPES, presetRecipe, recipeNames } from './recipes';
import { validateRecipe } from './validate';

describe('recipes', () => {
  it.each(recipeNames())('%s is valid, seeded 0 and described', (name) => {
    expect(validateRecipe(RECIPES[name].recipe)).toEqual([]);
    expect(RECIPES[name].recipe.seed).toBe(0);
    expect(RECIPES[name].description.length).toBeGreaterThan(10);
  });

  it('has the factory notebook schedules', () => {
    expect(RECIPES['step-160'].recipe).toMatchObject({
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
      schedule: { kind: 'multistep', milestones: [80, 120], gamma: 0.1 },
      epochs: 160,
      batchSize: 128,
      augment: { crop: true, flip: true, colorJitter: null, randomErasing: 0 },
    });
    expect(RECIPES['step-200'].recipe).toMatchObject({
      optimizer: { weightDecay: 5e-4 },
      schedule: { milestones: [60, 120, 160], gamma: 0.2 },
      epochs: 200,
    });
    expect(RECIPES['cos-200'].recipe.schedule).toEqual({ kind: 'cosine', tMax: 200, etaMin: 0 });
  });

  it("has the ResNeXt notebook's AdamW one-cycle recipe", () => {
    expect(RECIPES['notebook-onecycle'].recipe).toEqual({
      optimizer: {
        kind: 'adamw',
        lr: 3e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 1e-4,
      },
      schedule: {
        kind: 'onecycle',
        maxLr: 1e-2,
        pctStart: 0.3,
        divFactor: 25,
        finalDivFactor: 1000,
        anneal: 'cos',
      },
      epochs: 40,
      batchSize: 1024,
      labelSmoothing: 0.1,
      gradClip: 5,
      augment: {
        crop: true,
        flip: true,
        colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.1 },
        randomErasing: 0.25,
      },
      validationSplit: 0.1,
      seed: 0,
    });
  });

  it("has the blog's constant-rate SGD recipe and a quick one", () => {
    expect(RECIPES['notebook-sgd'].recipe).toMatchObject({
      optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 1e-5 },
      schedule: { kind: 'constant' },
      epochs: 70,
      batchSize: 256,
    });
    expect(RECIPES.quick.recipe).toMatchObject({ epochs: 1, batchSize: 32 });
  });

  it('is frozen; presetRecipe copies', () => {
    expect(Object.isFrozen(RECIPES['step-160'].recipe.schedule)).toBe(true);
    const copy = presetRecipe('step-160')!;
    copy.epochs = 3;
    expect(RECIPES['step-160'].recipe.epochs).toBe(160);
    expect(presetRecipe('missing')).toBeUndefined();
  });
});
