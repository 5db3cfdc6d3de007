/* eslint-disable @typescript-eslint/no-explicit-any -- these tests write wrongly typed values on purpose */
import { describe, expect, it } from 'vitest';
import { PRESETS, presetSpec } from './presets';
import { RECIPES, presetRecipe } from './recipes';
import type { ArchSpec, Recipe } from './types';
import { isArchSpec, isRecipe, validate, validateRecipe } from './validate';

/** A copy of a preset with one change made by `edit`. */
function edited(name: string, edit: (spec: Record<string, any>) => void): unknown {
  const spec = presetSpec(name) as unknown as Record<string, any>;
  edit(spec);
  return spec;
}

const paths = (spec: unknown) => validate(spec).map((issue) => issue.path);

describe('validate: untrusted input never throws', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'resnet20'],
    ['a list', [1, 2]],
    ['an empty object', {}],
    ['undefined', undefined],
  ])('reports %s as issues', (_, value) => {
    const issues = validate(value);
    expect(issues.length).toBeGreaterThan(0);
    expect(isArchSpec(value)).toBe(false);
  });

  it('turns a throwing getter or Proxy into an issue', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(validate(hostile)).toEqual([{ path: '', message: 'the spec could not be read' }]);
  });

  it('reports every missing field of an empty object with its path', () => {
    expect(paths({})).toEqual([
      'stem',
      'stages',
      'head',
      'classes',
      'residual',
      'reluAfterAdd',
      'convBias',
    ]);
    expect(validate({})[0].message).toBe('stem is missing (it must be an object)');
  });

  it('rejects unknown fields, __proto__ included', () => {
    const spec = JSON.parse(
      JSON.stringify(PRESETS.resnet20.spec).replace('{', '{"__proto__":{"x":1},"extra":1,'),
    );
    expect(paths(spec)).toEqual(['__proto__', 'extra']);
  });

  it('does not walk into deeply nested junk', () => {
    const deep = JSON.parse('['.repeat(5000) + ']'.repeat(5000));
    expect(paths(edited('resnet20', (s) => (s.stem = deep)))).toEqual(['stem']);
    const longText = 'x'.repeat(100_000);
    const message = validate(edited('resnet20', (s) => (s.head.pool = longText)))[0].message;
    expect(message.length).toBeLessThan(200);
  });
});

describe('validate: types and ranges', () => {
  it.each([
    ['stem/channels', (s: any) => (s.stem.channels = 0)],
    ['stem/channels', (s: any) => (s.stem.channels = 4097)],
    ['stem/dropout', (s: any) => (s.stem.dropout = 1)],
    ['stem/kind', (s: any) => (s.stem.kind = 'huge')],
    ['stages/0/blocks', (s: any) => (s.stages[0].blocks = 201)],
    ['stages/0/blocks', (s: any) => (s.stages[0].blocks = 1.5)],
    ['stages/1/stride', (s: any) => (s.stages[1].stride = 3)],
    ['stages/2/outChannels', (s: any) => (s.stages[2].outChannels = '64')],
    ['stages/2/shortcut', (s: any) => (s.stages[2].shortcut = 'C')],
    ['stages', (s: any) => (s.stages = [])],
    ['stages', (s: any) => (s.stages = Array(7).fill(s.stages[0]))],
    ['classes', (s: any) => (s.classes = 1)],
    ['classes', (s: any) => (s.classes = 1001)],
    ['classes', (s: any) => (s.classes = NaN)],
    ['residual', (s: any) => (s.residual = 'yes')],
    ['head/pool', (s: any) => (s.head.pool = 'min')],
  ])('flags %s', (path, edit) => {
    expect(paths(edited('resnet20', edit))).toEqual([path]);
  });

  it('numbers stages from 1 in messages and from 0 in paths', () => {
    const issues = validate(edited('resnet20', (s) => (s.stages[1].blocks = 0)));
    expect(issues).toEqual([
      {
        path: 'stages/1/blocks',
        message: 'stage 2: blocks must be a whole number from 1 to 200, got 0',
      },
    ]);
  });
});

describe('validate: rules between fields', () => {
  it('needs the bottleneck width divisible by the cardinality', () => {
    const spec = edited('notebook_resnext', (s) => (s.stages[1].bottleneckWidth = 100));
    expect(validate(spec)).toEqual([
      {
        path: 'stages/1/bottleneckWidth',
        message: 'stage 2: bottleneck width 100 is not divisible by cardinality 8',
      },
    ]);
  });

  it('needs cardinality 1 in basic blocks', () => {
    expect(paths(edited('resnet20', (s) => (s.stages[0].cardinality = 2)))).toEqual([
      'stages/0/cardinality',
    ]);
  });

  it('refuses an option-A shortcut that would reduce (or oddly pad) channels', () => {
    const shrinking = edited('resnet20', (s) => (s.stages[2].outChannels = 16));
    expect(validate(shrinking)[0].path).toBe('stages/2/shortcut');
    expect(validate(shrinking)[0].message).toMatch(/cannot reduce 32 to 16; use shortcut B/);
    const odd = edited('resnet20', (s) => (s.stages[2].outChannels = 33));
    expect(paths(odd)).toEqual(['stages/2/shortcut']);
    const plain = edited('resnet20', (s) => {
      s.stages[2].outChannels = 16;
      s.residual = false;
    });
    expect(validate(plain)).toEqual([]); // no shortcuts, nothing to pad
  });

  it('needs at least a 4×4 map for the 4×4 max-pool head', () => {
    const spec = edited('resnet20', (s) => {
      s.head.pool = 'max4';
      s.stages.push({ ...s.stages[2], outChannels: 64, stride: 2 }, { ...s.stages[2], stride: 2 });
    });
    expect(validate(spec)).toEqual([
      {
        path: 'head/pool',
        message:
          'the 4×4 max-pool head needs at least a 4×4 feature map, but the last stage gives 2×2 (32×32 input); use the average-pool head or fewer stride-2 stages',
      },
    ]);
  });

  it('keeps six stride-2 stages on a 32×32 input valid (the map stops at 1×1)', () => {
    const spec = edited('resnet8', (s) => {
      s.stages = Array.from({ length: 6 }, () => ({ ...s.stages[1], outChannels: 32 }));
    });
    expect(validate(spec)).toEqual([]);
  });
});

describe('validateRecipe', () => {
  it('accepts every named recipe and rejects junk without throwing', () => {
    for (const { recipe } of Object.values(RECIPES)) expect(isRecipe(recipe)).toBe(true);
    for (const junk of [null, 3, 'x', [], {}]) {
      expect(validateRecipe(junk).length).toBeGreaterThan(0);
    }
  });

  const recipeWith = (name: string, edit: (r: Record<string, any>) => void) => {
    const recipe = presetRecipe(name) as unknown as Record<string, any>;
    edit(recipe);
    return validateRecipe(recipe).map((issue) => issue.path);
  };

  it.each([
    ['optimizer/lr', (r: any) => (r.optimizer.lr = 0)],
    ['optimizer/momentum', (r: any) => (r.optimizer.momentum = 1)],
    ['optimizer/nesterov', (r: any) => (r.optimizer.nesterov = 1)],
    ['optimizer/kind', (r: any) => (r.optimizer.kind = 'lion')],
    ['optimizer/beta1', (r: any) => (r.optimizer = { ...r.optimizer, kind: 'adamw' })],
    ['schedule/milestones', (r: any) => (r.schedule.milestones = [120, 80])],
    ['schedule/milestones', (r: any) => (r.schedule.milestones = 'soon')],
    ['schedule/gamma', (r: any) => (r.schedule.gamma = 2)],
    ['epochs', (r: any) => (r.epochs = 0)],
    ['batchSize', (r: any) => (r.batchSize = 2.5)],
    ['seed', (r: any) => (r.seed = -1)],
    ['augment/colorJitter', (r: any) => (r.augment.colorJitter = 0.2)],
    ['augment/randomErasing', (r: any) => (r.augment.randomErasing = 2)],
    ['validationSplit', (r: any) => (r.validationSplit = 1)],
    ['labelSmoothing', (r: any) => (r.labelSmoothing = -0.1)],
  ])('flags %s', (path, edit) => {
    expect(recipeWith('step-160', edit)).toContain(path);
  });

  it('checks each schedule kind with its own fields', () => {
    expect(recipeWith('notebook-onecycle', (r) => (r.schedule.pctStart = 1))).toEqual([
      'schedule/pctStart',
    ]);
    expect(recipeWith('cos-200', (r) => (r.schedule.tMax = 0))).toEqual(['schedule/tMax']);
    expect(recipeWith('notebook-onecycle', (r) => (r.augment.colorJitter.hue = 0.6))).toEqual([
      'augment/colorJitter/hue',
    ]);
    // A switch of kind must bring that kind's fields: a cosine schedule has no milestones.
    expect(recipeWith('step-160', (r) => (r.schedule.kind = 'cosine'))).toEqual([
      'schedule/milestones',
      'schedule/gamma',
      'schedule/tMax',
      'schedule/etaMin',
    ]);
  });

  it('types isRecipe / isArchSpec as guards', () => {
    const value: unknown = presetRecipe('quick');
    if (isRecipe(value)) expect((value satisfies Recipe).epochs).toBe(1);
    const spec: unknown = presetSpec('resnet8');
    if (isArchSpec(spec)) expect((spec satisfies ArchSpec).classes).toBe(10);
  });
});
