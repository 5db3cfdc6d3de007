// npm run train's options: parsing, the preset/recipe (a name or a JSON file) and their
// validation. Everything here runs before anything is built or launched; bad usage is a
// UsageError (exit status 2).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, isDatasetId, type DatasetId } from '../../src/data/cifar';
import type { BackendChoice } from '../../src/engine/setBackend';
import {
  PRESETS,
  presetNames,
  presetRecipe,
  presetSpec,
  recipeNames,
  validate,
  validateRecipe,
  type ArchSpec,
  type Recipe,
  type SpecIssue,
} from '../../src/spec/index';
import { backendChoice, scanArgs, unknownArgument, UsageError, wholeNumber } from './cli';
import { REPO_ROOT } from './browser';

export const TRAIN_USAGE = [
  'usage: npm run train -- --preset <name | spec.json> --recipe <name | recipe.json>',
  '         --dataset cifar10|cifar100 [--epochs N] [--batch N] [--seed N]',
  '         [--limit-train N] [--limit-test N] [--backend auto|webgpu|webgl|wasm|cpu]',
  '         [--data-dir public/data] [--browser-arg FLAG]... [--export out.safetensors]',
  '         [--trace DIR [--trace-steps]] [--verbose] [--json]',
].join('\n');

/** Where `npm run data` puts datasets (by default) and the app serves them from. */
export const DEFAULT_DATA_DIR = join(REPO_ROOT, 'public', 'data');

export interface TrainOptions {
  /** As given: a preset or recipe name, or a JSON file path. */
  preset: string;
  recipe: string;
  dataset: DatasetId;
  spec: ArchSpec;
  recipeValue: Recipe;
  backend: BackendChoice;
  limitTrain: number;
  limitTest: number;
  dataDir: string;
  browserArgs: string[];
  verbose: boolean;
  json: boolean;
  /** Where to write the trained weights (.safetensors), or null. */
  exportPath: string | null;
  /** Where to write a training trace (README, "Training traces"), or null. */
  traceDir: string | null;
  /** Also the weights after every step (DIR/steps/), for replay.py --lockstep. */
  traceSteps: boolean;
  /** Things worth saying before training (e.g. the spec's class count was changed). */
  notes: string[];
}

export function parseArgs(argv: string[]): TrainOptions | 'help' {
  const o = {
    preset: '',
    recipe: '',
    dataset: '',
    epochs: undefined as number | undefined,
    batch: undefined as number | undefined,
    seed: undefined as number | undefined,
    limitTrain: 0,
    limitTest: 0,
    backend: 'auto' as BackendChoice,
    dataDir: '',
    browserArgs: [] as string[],
    verbose: false,
    json: false,
    exportPath: null as string | null,
    traceDir: null as string | null,
    traceSteps: false,
  };
  const scanned = scanArgs(argv, (arg, value) => {
    switch (arg) {
      case '--help':
      case '-h':
        return 'help';
      case '--json':
        o.json = true;
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '--preset':
        o.preset = value();
        break;
      case '--recipe':
        o.recipe = value();
        break;
      case '--dataset':
        o.dataset = value();
        break;
      case '--epochs':
        o.epochs = wholeNumber(value(), arg, 1, 10_000);
        break;
      case '--batch':
        o.batch = wholeNumber(value(), arg, 1, 65_536);
        break;
      case '--seed':
        o.seed = wholeNumber(value(), arg, 0, 2 ** 32 - 1);
        break;
      case '--limit-train':
        o.limitTrain = wholeNumber(value(), arg, 0, 10_000_000);
        break;
      case '--limit-test':
        o.limitTest = wholeNumber(value(), arg, 0, 10_000_000);
        break;
      case '--backend':
        o.backend = backendChoice(value());
        break;
      case '--data-dir':
        o.dataDir = value();
        break;
      case '--browser-arg':
        o.browserArgs.push(value(true));
        break;
      case '--export':
        o.exportPath = value();
        break;
      case '--trace':
        o.traceDir = value();
        break;
      case '--trace-steps':
        o.traceSteps = true;
        break;
      default:
        throw unknownArgument(arg);
    }
  });
  if (scanned === 'help') return 'help';
  const missing = ['preset', 'recipe', 'dataset'].filter((k) => !o[k as 'preset']);
  if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  if (o.traceSteps && !o.traceDir) throw new UsageError('--trace-steps needs --trace DIR');
  if (!isDatasetId(o.dataset)) {
    throw new UsageError(`unknown dataset "${o.dataset}": cifar10 or cifar100`);
  }
  const dataset = o.dataset;
  const notes: string[] = [];

  const spec = loadJson(o.preset, 'spec', presetSpec, presetNames, validate);
  const classes = DATASETS[dataset].classes;
  if (spec.classes !== classes) {
    if (!Object.hasOwn(PRESETS, o.preset)) {
      notes.push(`${o.preset} has ${spec.classes} classes; training it with ${classes}`);
    }
    spec.classes = classes;
  }
  const recipe = loadJson(o.recipe, 'recipe', presetRecipe, recipeNames, validateRecipe);
  if (o.epochs !== undefined) recipe.epochs = o.epochs;
  if (o.batch !== undefined) recipe.batchSize = o.batch;
  if (o.seed !== undefined) recipe.seed = o.seed;
  const issues = [...validate(spec), ...validateRecipe(recipe)];
  if (issues.length) throw new UsageError(describeIssues('the options give', issues), false);

  return {
    preset: o.preset,
    recipe: o.recipe,
    dataset,
    spec,
    recipeValue: recipe,
    backend: o.backend,
    limitTrain: o.limitTrain,
    limitTest: o.limitTest,
    dataDir: o.dataDir || DEFAULT_DATA_DIR,
    browserArgs: o.browserArgs,
    verbose: o.verbose,
    json: o.json,
    exportPath: o.exportPath,
    traceDir: o.traceDir,
    traceSteps: o.traceSteps,
    notes,
  };
}

function describeIssues(what: string, issues: SpecIssue[]): string {
  return [
    `${what} an invalid spec or recipe:`,
    ...issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`),
  ].join('\n');
}

/** A named preset/recipe (a fresh copy), or a JSON file holding one, validated. */
function loadJson<T>(
  target: string,
  kind: 'spec' | 'recipe',
  named: (name: string) => T | undefined,
  names: () => string[],
  check: (value: unknown) => SpecIssue[],
): T {
  const value = named(target);
  if (value !== undefined) return value;
  if (!target.endsWith('.json') && !existsSync(target)) {
    const option = kind === 'spec' ? '--preset' : '--recipe';
    throw new UsageError(
      `${option}: "${target}" is neither a ${kind === 'spec' ? 'preset' : 'recipe'} nor a ` +
        `JSON file; ${kind === 'spec' ? 'presets' : 'recipes'}: ${names().join(', ')}`,
      false,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(target, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${target}: ${(error as Error).message}`, false);
  }
  const issues = check(json);
  if (issues.length) {
    throw new UsageError(
      [
        `${target} is not a valid ${kind}:`,
        ...issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`),
      ].join('\n'),
      false,
    );
  }
  return json as T;
}
