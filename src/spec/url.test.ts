import { describe, expect, it } from 'vitest';
import { presetNames, presetSpec, PRESETS } from './presets';
import { presetRecipe, recipeNames, RECIPES } from './recipes';
import { decodeState, encodeState, MAX_FRAGMENT_LENGTH } from './url';

/** Builds a fragment the way encodeState does, from any payload or JSON text. */
const fragmentOf = (payload: unknown) => {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const issuesOf = (fragment: string) => {
  const decoded = decodeState(fragment);
  expect(decoded.ok).toBe(false);
  return decoded.ok ? [] : decoded.issues;
};

describe('encodeState / decodeState round trip', () => {
  it.each(presetNames())('%s with every named recipe', (name) => {
    for (const recipeName of recipeNames()) {
      const state = { spec: PRESETS[name].spec, recipe: RECIPES[recipeName].recipe };
      expect(decodeState(encodeState(state))).toEqual({ ok: true, ...state });
    }
  });

  it('keeps edited specs and recipes exactly, a leading # allowed', () => {
    const spec = presetSpec('resnet110')!;
    spec.stages[1].blocks = 5;
    spec.stages.push({ ...spec.stages[2], outChannels: 128, stride: 2 });
    spec.stem.dropout = 0.125;
    spec.classes = 100;
    const recipe = presetRecipe('notebook-onecycle')!;
    recipe.optimizer = { kind: 'sgd', lr: 0.07, momentum: 0.85, nesterov: true, weightDecay: 3e-4 };
    recipe.augment.colorJitter = null;
    recipe.seed = 123456789;
    const fragment = encodeState({ spec, recipe });
    expect(decodeState(fragment)).toEqual({ ok: true, spec, recipe });
    expect(decodeState(`#${fragment}`)).toEqual({ ok: true, spec, recipe });
  });

  it('keeps a preset link short (resnet110 + step-160 under 60 characters)', () => {
    const state = { spec: PRESETS.resnet110.spec, recipe: RECIPES['step-160'].recipe };
    const fragment = encodeState(state);
    expect(fragment).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fragment.length).toBeLessThan(60);
    const edited = presetSpec('resnet110')!;
    edited.stages[1].cardinality = 1;
    edited.stages[2].blocks = 17;
    expect(encodeState({ spec: edited, recipe: state.recipe }).length).toBeLessThan(120);
  });

  it('carries the train-image limit when set; links without it still read', () => {
    const state = { spec: PRESETS.resnet8.spec, recipe: RECIPES.quick.recipe };
    expect(decodeState(encodeState({ ...state, limitTrain: 5000 }))).toEqual({
      ok: true,
      ...state,
      limitTrain: 5000,
    });
    expect(encodeState({ ...state, limitTrain: 0 })).toBe(encodeState(state));
    expect(decodeState(encodeState(state))).toEqual({ ok: true, ...state });
    expect(issuesOf(fragmentOf([1, 'resnet8', [], 'quick', [], -3]))[0].message).toMatch(
      /train-image limit/,
    );
    expect(issuesOf(fragmentOf([1, 'resnet8', [], 'quick', [], '5000']))[0].path).toBe(
      'limitTrain',
    );
  });

  it('decodes to fresh objects, not the frozen presets', () => {
    const decoded = decodeState(
      encodeState({ spec: PRESETS.resnet20.spec, recipe: RECIPES.quick.recipe }),
    );
    expect(decoded.ok && Object.isFrozen(decoded.spec)).toBe(false);
  });
});

describe('decodeState: hostile input returns issues, never throws', () => {
  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%^'],
    ['standard base64 padding', 'YWJj='],
    ['impossible length', 'abcde'],
    ['not UTF-8', '_-_-'], // bytes FF EF FE
    ['not JSON', fragmentOf('{oops')],
    ['JSON but not a list', fragmentOf({ spec: 1 })],
    ['a wrong version', fragmentOf([2, 'resnet20', [], 'quick', []])],
    ['an unknown preset', fragmentOf([1, 'resnet9000', [], 'quick', []])],
    ['a preset named by prototype key', fragmentOf([1, '__proto__', [], 'quick', []])],
    ['an unknown recipe', fragmentOf([1, 'resnet20', [], 'toString', []])],
    ['a patch that is not a list', fragmentOf([1, 'resnet20', { x: 1 }, 'quick', []])],
    ['a malformed patch entry', fragmentOf([1, 'resnet20', [['classes']], 'quick', []])],
    ['a patch path that is not text', fragmentOf([1, 'resnet20', [[7, 1]], 'quick', []])],
  ])('%s', (_, fragment) => {
    expect(issuesOf(fragment).length).toBeGreaterThan(0);
  });

  it('refuses fragments over the size cap before decoding them', () => {
    const huge = 'A'.repeat(MAX_FRAGMENT_LENGTH + 1);
    expect(issuesOf(huge)[0].message).toMatch(/too long/);
    expect(issuesOf('#' + 'A'.repeat(10 * 1024 * 1024))[0].message).toMatch(/too long/);
  });

  it('survives deep nesting, quickly', () => {
    const nested = '['.repeat(5000) + ']'.repeat(5000); // JSON.stringify itself overflows on it
    const started = Date.now();
    const fragment = fragmentOf(`[1, "resnet20", [["stem", ${nested}]], "quick", []]`);
    expect(fragment.length).toBeLessThan(MAX_FRAGMENT_LENGTH);
    expect(issuesOf(fragment)).toEqual([
      { path: 'spec/stem', message: 'stem must be an object, got a list' },
    ]);
    const deepPath = Array(50).fill('stem').join('/');
    expect(issuesOf(fragmentOf([1, 'resnet20', [[deepPath, 1]], 'quick', []])).length).toBe(1);
    const manyEntries = Array(5000).fill(['classes', 10]);
    expect(issuesOf(fragmentOf([1, 'resnet20', manyEntries, 'quick', []])).length).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('never pollutes prototypes', () => {
    const attempts = [
      [['__proto__/polluted', 1]],
      [['constructor/prototype/polluted', 1]],
      [['stages/__proto__/polluted', 1]],
      [['stem/__proto__', { polluted: 1 }]],
      [['', JSON.parse('{"__proto__": {"polluted": 1}}')]],
      [['stem', JSON.parse('{"__proto__": {"polluted": 1}}')]],
    ];
    for (const patch of attempts) {
      expect(decodeState(fragmentOf([1, 'resnet20', patch, 'quick', []])).ok).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('lets a patch replace only what the base has', () => {
    for (const path of [
      'stages/length',
      'stages/-1',
      'stages/3',
      'stages/01',
      'newField',
      'stem/x',
    ]) {
      const fragment = fragmentOf([1, 'resnet20', [[path, 5]], 'quick', []]);
      expect(issuesOf(fragment)[0].message).toMatch(/does not have/);
    }
  });

  it('validates what the patch produces, with spec/ and recipe/ paths', () => {
    const fragment = fragmentOf([
      1,
      'resnext29_8x64d',
      [['stages/1/cardinality', 3]],
      'step-160',
      [['epochs', 0]],
    ]);
    expect(issuesOf(fragment)).toEqual([
      {
        path: 'spec/stages/1/bottleneckWidth',
        message: 'stage 2: bottleneck width 1024 is not divisible by cardinality 3',
      },
      { path: 'recipe/epochs', message: 'epochs must be a whole number from 1 to 10000, got 0' },
    ]);
  });

  it('tolerates a non-string argument from untyped callers', () => {
    expect(decodeState(undefined as unknown as string).ok).toBe(false);
    expect(decodeState(42 as unknown as string).ok).toBe(false);
  });
});
