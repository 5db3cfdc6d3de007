// npm run train -- --preset <name | spec.json> --recipe <name | recipe.json> --dataset cifar10|cifar100
//   [--epochs N] [--batch N] [--seed N] [--limit-train N] [--limit-test N]
//   [--backend auto|webgpu|webgl|wasm|cpu] [--data-dir public/data] [--browser-arg FLAG]…
//   [--verbose] [--json]
// Trains in headless Chromium with the app's own worker code (src/worker/run.ts): builds the
// app into a temporary folder, serves it and the data folder on 127.0.0.1, opens it, caches
// the dataset in the page (window.cardinal, src/worker/automation.ts) and runs. stdout: one
// line per epoch and a summary (JSON lines with --json); stderr: setup and progress.
// Ctrl-C stops the run after the current step (and a summary is printed); a second one quits.
// Exit status: 0 trained, 1 failed (no data, backend, divergence, browser), 2 bad usage,
// 130 interrupted.

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { DATASETS, isDatasetId, type DatasetId } from '../src/data/cifar';
import type { DataProgress } from '../src/data/progress';
import type { Manifest } from '../src/data/manifest';
import type { BackendChoice } from '../src/engine/setBackend';
import {
  analyze,
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
} from '../src/spec/index';
import type { EpochMetrics, RunConfig, WorkerEvent } from '../src/worker/protocol';
import type {} from '../src/worker/automation'; // window.cardinal's type
import { buildApp, launchChromium, REPO_ROOT, serveApp } from './lib/browser';
import { readManifest } from './lib/dataset-dir';
import { createProgressBar } from './lib/progress-bar';

const USAGE = [
  'usage: npm run train -- --preset <name | spec.json> --recipe <name | recipe.json>',
  '         --dataset cifar10|cifar100 [--epochs N] [--batch N] [--seed N]',
  '         [--limit-train N] [--limit-test N] [--backend auto|webgpu|webgl|wasm|cpu]',
  '         [--data-dir public/data] [--browser-arg FLAG]... [--verbose] [--json]',
].join('\n');

/** Where `npm run data` puts datasets (by default) and the app serves them from. */
const DEFAULT_DATA_DIR = join(REPO_ROOT, 'public', 'data');
/** Two SIGINTs this close together are one Ctrl-C delivered twice (npx relays it as well). */
const SIGINT_ECHO_MS = 300;

const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** Bad usage: printed with exit status 2, before anything is built or launched. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

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
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) [arg, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) {
        throw new UsageError(`${arg} needs a value`);
      }
      return v;
    };
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
      case '--backend': {
        const backend = value();
        if (!BACKENDS.includes(backend as BackendChoice)) {
          throw new UsageError(`unknown backend "${backend}": ${BACKENDS.join(', ')}`);
        }
        o.backend = backend as BackendChoice;
        break;
      }
      case '--data-dir':
        o.dataDir = value();
        break;
      case '--browser-arg':
        o.browserArgs.push(value());
        break;
      case '--export':
        throw new UsageError('--export arrives with the export feature', false);
      default:
        throw new UsageError(
          arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument ${arg}`,
        );
    }
  }
  const missing = ['preset', 'recipe', 'dataset'].filter((k) => !o[k as 'preset']);
  if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
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
    notes,
  };
}

function wholeNumber(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${option} needs a whole number from ${min} to ${max}, got ${text}`);
  }
  return value;
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

export interface TrainIo {
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WriteStream;
}

type Ready = Extract<WorkerEvent, { type: 'ready' }>;
type Progress = Extract<WorkerEvent, { type: 'progress' }>;
type Final = Extract<WorkerEvent, { type: 'done' | 'error' }>;

/** A failure after setup began: exit status 1, with a code for --json. */
class RunFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const seconds = (since: number) => round((performance.now() - since) / 1000, 2);

function epochRecord(m: EpochMetrics, epochs: number, imagesPerSecond: number) {
  return {
    type: 'epoch' as const,
    epoch: m.epoch,
    epochs,
    trainLoss: round(m.trainLoss, 4),
    trainAcc: round(m.trainAcc, 4),
    testLoss: round(m.testLoss, 4),
    testAcc: round(m.testAcc, 4),
    ...(m.valLoss !== undefined && m.valAcc !== undefined
      ? { valLoss: round(m.valLoss, 4), valAcc: round(m.valAcc, 4) }
      : {}),
    /** Training throughput so far: images / seconds in train steps (evaluation excluded). */
    imagesPerSecond: round(imagesPerSecond, 1),
    seconds: round(m.seconds, 2),
    perClassAcc: m.perClassAcc.map((a) => round(a, 2)),
  };
}

/** How many images the worker will use (the arithmetic of run.ts's loadSplits). */
function splitSizes(manifest: Manifest, options: TrainOptions) {
  const records = manifest.splits.train.records;
  const validation = Math.round(records * options.recipeValue.validationSplit);
  const train = records - validation;
  const test = manifest.splits.test.records;
  return {
    train: options.limitTrain > 0 ? Math.min(options.limitTrain, train) : train,
    validation,
    test: options.limitTest > 0 ? Math.min(options.limitTest, test) : test,
  };
}

const formatEta = (s: number) =>
  !Number.isFinite(s)
    ? '?'
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${Math.round(s)}s`;

export async function runCli(
  argv: string[],
  io: TrainIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let options: TrainOptions;
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n${error.showUsage ? `${USAGE}\n` : ''}`);
    return 2;
  }
  const { json, dataset, recipeValue: recipe } = options;
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const emit = (record: object, text: string) =>
    io.stdout.write(json ? `${JSON.stringify(record)}\n` : `${text}\n`);
  const fail = (code: string, message: string) => {
    if (json) io.stdout.write(`${JSON.stringify({ type: 'error', code, message })}\n`);
    log(`error (${code}): ${message}`);
    return 1;
  };
  for (const note of options.notes) log(`note: ${note}`);

  // The data folder first: no point building anything without it.
  const dataDir = resolve(options.dataDir);
  const title = DATASETS[dataset].title;
  let manifest: Manifest;
  try {
    manifest = await readManifest(join(dataDir, dataset));
    if (manifest.dataset !== dataset) throw new Error(`it describes ${manifest.dataset}`);
  } catch (error) {
    const here = relative(process.cwd(), join(dataDir, dataset));
    const where = here && !here.startsWith('..') ? here : join(dataDir, dataset);
    const out = dataDir === DEFAULT_DATA_DIR ? '' : ` --out ${options.dataDir}`;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return fail(
      'no-data',
      `${missing ? `${title} is not in ${where}/ (no manifest.json)` : `${where}/manifest.json is unusable: ${(error as Error).message}`}. ` +
        `Put it there with \`npm run data -- import <path/to/${DATASETS[dataset].archiveName}>${out}\` ` +
        `or \`npm run data -- fetch ${dataset}${out}\`.`,
    );
  }
  const sizes = splitSizes(manifest, options);
  const params = analyze(options.spec).totals.params;

  const started = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'cardinal-train-'));
  let context: BrowserContext | null = null;
  let page: Page | null = null;
  let closeServer: (() => Promise<void>) | null = null;
  let phase: 'setup' | 'training' | 'stopping' | 'done' = 'setup';
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await context?.close().catch(() => {});
      await closeServer?.().catch(() => {});
      await rm(work, { recursive: true, force: true }).catch(() => {});
    })());
  const stopping = () => phase === 'stopping';
  let interrupted = false;
  const quitNow = (status: number) => {
    interrupted = true;
    log(phase === 'setup' ? 'interrupted' : 'quitting without waiting for the run to stop');
    void cleanup().finally(() => process.exit(status));
  };
  let firstSigint = 0;
  const onSigint = () => {
    if (phase === 'stopping' && performance.now() - firstSigint < SIGINT_ECHO_MS) return;
    if (phase === 'training') {
      phase = 'stopping';
      firstSigint = performance.now();
      log('\nstopping after the current step… (Ctrl-C again quits at once)');
      void page?.evaluate(() => window.cardinal?.stop()).catch(() => {});
    } else if (phase !== 'done') quitNow(130);
  };
  const onSigterm = () => quitNow(143);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('SIGHUP', onSigterm);

  try {
    const buildSeconds = await buildApp(join(work, 'app'));
    log(`built the app in ${buildSeconds.toFixed(1)} s`);
    const server = await serveApp({ appDir: join(work, 'app'), dataDir });
    closeServer = server.close;
    const launchStart = performance.now();
    try {
      context = await launchChromium(join(work, 'profile'), options.browserArgs);
    } catch (error) {
      throw new RunFailure('browser', `cannot start Chromium: ${(error as Error).message}`);
    }
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    page.on('console', (m) => {
      // The Data panel's HEAD requests for datasets the server lacks log 404s: noise here.
      const noise = m.text().startsWith('Failed to load resource');
      if (options.verbose || (m.type() === 'error' && !noise)) {
        log(`[console.${m.type()}] ${m.text()}`);
      }
    });
    let crashed: (reason: RunFailure) => void = () => {};
    const crash = new Promise<never>((_, reject) => (crashed = reject));
    crash.catch(() => {});
    page.on('crash', () => crashed(new RunFailure('browser', 'the page crashed')));
    context.on('close', () => crashed(new RunFailure('browser', 'the browser closed')));

    // Events from the page: data progress, then the worker's events.
    const bar = createProgressBar(`caching ${title} in the browser`, io.stderr);
    await page.exposeFunction('__cardinalData', (p: DataProgress) =>
      bar.update(p.loadedBytes, p.totalBytes),
    );
    let ready: Ready | null = null;
    let last: Progress | null = null;
    let lastEpoch: ReturnType<typeof epochRecord> | null = null;
    let trainSeconds = 0;
    let finished: (event: Final) => void = () => {};
    const final = new Promise<Final>((done) => (finished = done));
    let lastTenth = -1;
    const onEvent = (event: WorkerEvent) => {
      switch (event.type) {
        case 'ready':
          ready = event;
          log(`backend ${event.backend} (${event.adapter}); ${event.why}`);
          if (/software fallback|swiftshader/i.test(event.adapter) && event.backend !== 'wasm') {
            log(`note: ${event.backend} runs on a software adapter here; --backend wasm is faster`);
          }
          return;
        case 'progress': {
          last = event;
          const { epoch, step, stepsPerEpoch: steps } = event;
          const line =
            `epoch ${epoch + 1}/${recipe.epochs} step ${step}/${steps} loss ${event.loss.toFixed(4)} ` +
            `acc ${event.accuracy.toFixed(1)}% ${event.imagesPerSecond.toFixed(1)} img/s ` +
            `eta ${formatEta(event.etaSeconds)}`;
          if (io.stderr.isTTY) io.stderr.write(`\r${line}\x1b[K`);
          else {
            const tenth = Math.floor((10 * step) / steps);
            if (tenth !== lastTenth) log(line);
            lastTenth = tenth === 10 ? -1 : tenth;
          }
          return;
        }
        case 'epoch-end': {
          if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
          const m = event.metrics;
          trainSeconds += m.seconds;
          lastEpoch = epochRecord(m, recipe.epochs, last?.imagesPerSecond ?? 0);
          const val = m.valAcc !== undefined ? `, val acc ${m.valAcc.toFixed(2)}%` : '';
          emit(
            lastEpoch,
            `epoch ${m.epoch}/${recipe.epochs}: train loss ${m.trainLoss.toFixed(4)}, ` +
              `train acc ${m.trainAcc.toFixed(2)}%, test loss ${m.testLoss.toFixed(4)}, ` +
              `test acc ${m.testAcc.toFixed(2)}%${val}, ${lastEpoch.imagesPerSecond} img/s, ` +
              `${m.seconds.toFixed(1)} s`,
          );
          return;
        }
        case 'done':
        case 'error':
          finished(event);
          return;
      }
    };
    await page.exposeFunction('__cardinalEvent', onEvent);
    await page.goto(server.url);
    await page.waitForFunction(() => window.cardinal?.version === 1);
    const browserSeconds = seconds(launchStart);

    const dataStart = performance.now();
    try {
      await Promise.race([
        crash,
        page.evaluate(
          (id) =>
            window.cardinal!.ensureDataset(id, (p) =>
              (window as unknown as { __cardinalData(p: unknown): void }).__cardinalData(p),
            ),
          dataset,
        ),
      ]);
    } catch (error) {
      if (error instanceof RunFailure) throw error;
      throw new RunFailure('no-data', `caching ${title} in the browser failed: ${message(error)}`);
    } finally {
      bar.done();
    }
    const dataSeconds = seconds(dataStart);
    log(`cached ${title} in the browser in ${dataSeconds.toFixed(1)} s`);
    log(
      `training ${options.preset} (${params.toLocaleString('en-US')} params) on ` +
        `${sizes.train.toLocaleString('en-US')} images, testing on ` +
        `${sizes.test.toLocaleString('en-US')}, ${recipe.epochs} epoch(s) of batch ${recipe.batchSize}`,
    );

    const config: RunConfig = {
      runId: `cli-${Date.now().toString(36)}`,
      spec: options.spec,
      recipe,
      dataset,
      backend: options.backend,
      limitTrain: options.limitTrain,
      limitTest: options.limitTest,
    };
    phase = 'training';
    // Events travel through __cardinalEvent; samples (test images) are not needed here.
    const training = page.evaluate(
      (c) =>
        window.cardinal!.train(c, (e) =>
          (window as unknown as { __cardinalEvent(e: unknown): void }).__cardinalEvent(
            e.type === 'epoch-end' ? { ...e, results: { epoch: e.results.epoch } } : e,
          ),
        ),
      config,
    );
    const trained = training.then(
      () => final,
      (error) => {
        throw new RunFailure('browser', `the run ended abnormally: ${message(error)}`);
      },
    );
    const end = await Promise.race([final, crash, trained]);
    const stopped = stopping();
    phase = 'done';
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');

    if (end.type === 'error') {
      const hint =
        end.code === 'diverged'
          ? ` Try a lower learning rate: the recipe's is ${recipe.optimizer.lr}; pass a ` +
            'recipe JSON file with a smaller optimizer.lr (or set gradClip).'
          : '';
      throw new RunFailure(end.code, `${end.message}${hint}`);
    }
    const readyEvent = ready as Ready | null;
    const lastProgress = last as Progress | null;
    const epochLine = lastEpoch as ReturnType<typeof epochRecord> | null;
    const summary = {
      type: 'summary',
      ok: true,
      stopped: end.stopped,
      preset: options.preset,
      recipe: options.recipe,
      dataset,
      backend: readyEvent?.backend ?? null,
      adapter: readyEvent?.adapter ?? null,
      params,
      epochs: epochLine?.epoch ?? 0,
      epochsPlanned: recipe.epochs,
      batchSize: recipe.batchSize,
      lr: recipe.optimizer.lr,
      images: sizes,
      final: epochLine && {
        trainLoss: epochLine.trainLoss,
        trainAcc: epochLine.trainAcc,
        testLoss: epochLine.testLoss,
        testAcc: epochLine.testAcc,
        ...('valAcc' in epochLine ? { valLoss: epochLine.valLoss, valAcc: epochLine.valAcc } : {}),
      },
      imagesPerSecond: round(lastProgress?.imagesPerSecond ?? 0, 1),
      trainSeconds: round(trainSeconds, 2),
      setupSeconds: { build: round(buildSeconds, 2), browser: browserSeconds, data: dataSeconds },
      wallSeconds: seconds(started),
    };
    const f = summary.final;
    emit(
      summary,
      `${end.stopped ? 'stopped' : 'done'}: ${options.preset} (${params.toLocaleString('en-US')} params) on ` +
        `${title}, ${summary.backend} (${summary.adapter}), ${summary.epochs}/${recipe.epochs} epoch(s)` +
        (f
          ? `: train loss ${f.trainLoss.toFixed(4)}, train acc ${f.trainAcc.toFixed(2)}%, ` +
            `test loss ${f.testLoss.toFixed(4)}, test acc ${f.testAcc.toFixed(2)}%`
          : '') +
        `, ${summary.imagesPerSecond} img/s, wall ${summary.wallSeconds.toFixed(1)} s`,
    );
    return stopped || end.stopped ? 130 : 0;
  } catch (error) {
    if (interrupted) return 130; // quitNow is closing everything; the error is its doing
    return fail(error instanceof RunFailure ? error.code : 'internal', message(error));
  } finally {
    phase = 'done';
    await cleanup();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    process.off('SIGHUP', onSigterm);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const status = await runCli(process.argv.slice(2));
  // Exit explicitly: a library (vite's build, Playwright) may leave a handle open.
  process.exit(status);
}
