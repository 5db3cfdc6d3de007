// validateRecipe(): every problem in an untrusted training recipe, as sentences, never an
// exception. Each {kind, …} union member (optimizer, schedule) must hold exactly its kind's
// fields, so that switching the kind in the builder cannot leave stale fields behind.

import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkNumber,
  fail,
  isRecord,
  join,
  LIMITS,
  neverThrow,
  readObject,
  type Fields,
} from './checks';
import type { Recipe, SpecIssue } from './types';

const unit = (x: number) => x >= 0 && x < 1; // [0, 1)

const RECIPE_FIELDS = [
  'optimizer',
  'schedule',
  'epochs',
  'batchSize',
  'labelSmoothing',
  'gradClip',
  'augment',
  'validationSplit',
  'seed',
];

const OPTIMIZER_FIELDS: Record<string, string[]> = {
  sgd: ['kind', 'lr', 'momentum', 'nesterov', 'weightDecay'],
  adamw: ['kind', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay'],
};

const SCHEDULE_FIELDS: Record<string, string[]> = {
  constant: ['kind'],
  multistep: ['kind', 'milestones', 'gamma'],
  cosine: ['kind', 'tMax', 'etaMin'],
  onecycle: ['kind', 'maxLr', 'pctStart', 'divFactor', 'finalDivFactor', 'anneal'],
};

export function validateRecipe(recipe: unknown): SpecIssue[] {
  return neverThrow(() => validateRecipeFields(recipe), 'recipe');
}

export function isRecipe(recipe: unknown): recipe is Recipe {
  return validateRecipe(recipe).length === 0;
}

const lr = (x: number) => x > 0 && x <= 10;
const probability = (x: number) => x >= 0 && x <= 1;
const atLeastOne = (x: number) => x >= 1 && x <= 1e6;
const openUnit = (x: number) => x > 0 && x < 1;

function validateRecipeFields(value: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const recipe = readObject(value, '', 'the recipe', RECIPE_FIELDS, issues);
  if (!recipe) return issues;
  /** part[key] must be a number in a range; its path is "{at}/{key}". */
  const number = (
    part: Fields,
    at: string,
    key: string,
    label: string,
    inRange: (x: number) => boolean,
    interval: string,
  ) => checkNumber(part[key], join(at, key), label, inRange, interval, issues);

  const optimizer = readByKind(recipe.optimizer, 'optimizer', OPTIMIZER_FIELDS, issues);
  if (optimizer) {
    number(optimizer, 'optimizer', 'lr', 'learning rate', lr, '(0, 10]');
    number(optimizer, 'optimizer', 'weightDecay', 'weight decay', unit, '[0, 1)');
  }
  if (optimizer?.kind === 'sgd') {
    number(optimizer, 'optimizer', 'momentum', 'momentum', unit, '[0, 1)');
    checkBoolean(optimizer.nesterov, 'optimizer/nesterov', 'nesterov', issues);
  }
  if (optimizer?.kind === 'adamw') {
    number(optimizer, 'optimizer', 'beta1', 'beta1', unit, '[0, 1)');
    number(optimizer, 'optimizer', 'beta2', 'beta2', unit, '[0, 1)');
    number(optimizer, 'optimizer', 'eps', 'eps', openUnit, '(0, 1)');
  }

  const schedule = readByKind(recipe.schedule, 'schedule', SCHEDULE_FIELDS, issues);
  if (schedule?.kind === 'multistep') {
    checkMilestones(schedule.milestones, issues);
    number(schedule, 'schedule', 'gamma', 'gamma', (x) => x > 0 && x <= 1, '(0, 1]');
  }
  if (schedule?.kind === 'cosine') {
    checkInteger(schedule.tMax, 'schedule/tMax', 'cosine period', 1, LIMITS.epochs, issues);
    number(
      schedule,
      'schedule',
      'etaMin',
      'minimum learning rate',
      (x) => x >= 0 && x <= 10,
      '[0, 10]',
    );
  }
  if (schedule?.kind === 'onecycle') {
    number(schedule, 'schedule', 'maxLr', 'maximum learning rate', lr, '(0, 10]');
    number(schedule, 'schedule', 'pctStart', 'warm-up fraction', openUnit, '(0, 1)');
    number(schedule, 'schedule', 'divFactor', 'initial division factor', atLeastOne, '[1, 1e6]');
    number(schedule, 'schedule', 'finalDivFactor', 'final division factor', atLeastOne, '[1, 1e6]');
    checkChoice(schedule.anneal, 'schedule/anneal', 'anneal', ['cos', 'linear'], issues);
  }

  checkInteger(recipe.epochs, 'epochs', 'epochs', 1, LIMITS.epochs, issues);
  checkInteger(recipe.batchSize, 'batchSize', 'batch size', 1, LIMITS.batchSize, issues);
  number(recipe, '', 'labelSmoothing', 'label smoothing', unit, '[0, 1)');
  number(
    recipe,
    '',
    'gradClip',
    'gradient clipping norm',
    (x) => x >= 0 && x <= 1e6,
    '[0, 1e6] (0 is off)',
  );
  number(recipe, '', 'validationSplit', 'validation split', unit, '[0, 1)');
  checkInteger(recipe.seed, 'seed', 'seed', 0, 0xffffffff, issues);

  const augmentFields = ['crop', 'flip', 'colorJitter', 'randomErasing'];
  const augment = readObject(recipe.augment, 'augment', 'augment', augmentFields, issues);
  if (augment) {
    checkBoolean(augment.crop, 'augment/crop', 'random crop', issues);
    checkBoolean(augment.flip, 'augment/flip', 'random flip', issues);
    if (augment.colorJitter !== null) checkColorJitter(augment.colorJitter, issues);
    number(
      augment,
      'augment',
      'randomErasing',
      'random erasing probability',
      probability,
      '[0, 1]',
    );
  }
  return issues;
}

/** Reads a {kind, …} union member: the kind first, then exactly that kind's fields. */
function readByKind(
  value: unknown,
  path: string,
  kinds: Record<string, string[]>,
  issues: SpecIssue[],
): Fields | undefined {
  if (!isRecord(value)) return readObject(value, path, path, [], issues);
  const kind = value.kind;
  if (!checkChoice(kind, `${path}/kind`, `${path} kind`, Object.keys(kinds), issues)) return;
  return readObject(value, path, `the ${kind} ${path}`, kinds[kind], issues);
}

function checkMilestones(value: unknown, issues: SpecIssue[]): void {
  const expected = `a list of up to ${LIMITS.milestones} increasing epochs from 1 to ${LIMITS.epochs}`;
  const ok =
    Array.isArray(value) &&
    value.length <= LIMITS.milestones &&
    value.every(
      (m, i) =>
        Number.isInteger(m) && m >= 1 && m <= LIMITS.epochs && (i === 0 || m > value[i - 1]),
    );
  if (!ok) fail(value, 'schedule/milestones', 'milestones', expected, issues);
}

function checkColorJitter(value: unknown, issues: SpecIssue[]): void {
  const fields = ['brightness', 'contrast', 'saturation', 'hue'];
  const jitter = readObject(value, 'augment/colorJitter', 'colour jitter', fields, issues);
  if (!jitter) return;
  for (const key of ['brightness', 'contrast', 'saturation']) {
    const path = `augment/colorJitter/${key}`;
    checkNumber(jitter[key], path, `${key} jitter`, (x) => x >= 0 && x <= 10, '[0, 10]', issues);
  }
  const hue = (x: number) => x >= 0 && x <= 0.5; // torchvision's limit
  checkNumber(jitter.hue, 'augment/colorJitter/hue', 'hue jitter', hue, '[0, 0.5]', issues);
}
