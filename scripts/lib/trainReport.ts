// What npm run train says: the epoch and summary records (stdout, JSON lines with --json) and
// their readable lines, the progress line (stderr), and the arithmetic behind them.

import type { Manifest } from '../../src/data/manifest';
import type { EpochMetrics, WorkerEvent } from '../../src/worker/protocol';
import { evaluatedOn } from '../../src/spec/runSize';
import { round } from './cli';
import type { TrainOptions } from './trainOptions';

export type Ready = Extract<WorkerEvent, { type: 'ready' }>;
export type Progress = Extract<WorkerEvent, { type: 'progress' }>;

export function epochRecord(m: EpochMetrics, epochs: number, imagesPerSecond: number) {
  return {
    type: 'epoch' as const,
    epoch: m.epoch,
    epochs,
    trainLoss: round(m.trainLoss, 4),
    trainAcc: round(m.trainAcc, 4),
    testLoss: round(m.testLoss, 4),
    testAcc: round(m.testAcc, 4),
    /** The test figures are over the first testImages of the split's testSplitImages. */
    ...(m.testImages !== undefined ? { testImages: m.testImages } : {}),
    ...(m.testSplitImages !== undefined ? { testSplitImages: m.testSplitImages } : {}),
    ...(m.valLoss !== undefined && m.valAcc !== undefined
      ? { valLoss: round(m.valLoss, 4), valAcc: round(m.valAcc, 4) }
      : {}),
    /** Training throughput so far: images / seconds in train steps (evaluation excluded). */
    imagesPerSecond: round(imagesPerSecond, 1),
    seconds: round(m.seconds, 2),
    perClassAcc: m.perClassAcc.map((a) => round(a, 2)),
  };
}

export type EpochRecord = ReturnType<typeof epochRecord>;

export function epochLine(m: EpochMetrics, record: EpochRecord, epochs: number): string {
  const val = m.valAcc !== undefined ? `, val acc ${m.valAcc.toFixed(2)}%` : '';
  const on =
    m.testImages !== undefined && m.testSplitImages !== undefined
      ? ` ${evaluatedOn({ images: m.testImages, of: m.testSplitImages })}`
      : '';
  return (
    `epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)}, ` +
    `train acc ${m.trainAcc.toFixed(2)}%, test loss ${m.testLoss.toFixed(4)}, ` +
    `test acc ${m.testAcc.toFixed(2)}%${on}${val}, ${record.imagesPerSecond} img/s, ` +
    `${m.seconds.toFixed(1)} s`
  );
}

/** How many images the worker will use (the arithmetic of run.ts's loadSplits). */
export function splitSizes(manifest: Manifest, options: TrainOptions) {
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

export type SplitSizes = ReturnType<typeof splitSizes>;

const formatEta = (s: number) =>
  !Number.isFinite(s)
    ? '?'
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${Math.round(s)}s`;

export function progressLine(event: Progress, epochs: number): string {
  const { epoch, step, stepsPerEpoch: steps } = event;
  return (
    `epoch ${epoch + 1}/${epochs} step ${step}/${steps} loss ${event.loss.toFixed(4)} ` +
    `acc ${event.accuracy.toFixed(1)}% ${event.imagesPerSecond.toFixed(1)} img/s ` +
    `eta ${formatEta(event.etaSeconds)}`
  );
}

/** What to say on stderr when the worker has its backend. */
export function readyLines(event: Ready): string[] {
  const lines = [`backend ${event.backend} (${event.adapter}); ${event.why}`];
  if (/software fallback|swiftshader/i.test(event.adapter) && event.backend !== 'wasm') {
    lines.push(`note: ${event.backend} runs on a software adapter here; --backend wasm is faster`);
  }
  return lines;
}

export interface SummaryFacts {
  options: TrainOptions;
  stopped: boolean;
  ready: Ready | null;
  last: Progress | null;
  lastEpoch: EpochRecord | null;
  params: number;
  sizes: SplitSizes;
  trainSeconds: number;
  setupSeconds: { build: number; browser: number; data: number };
  wallSeconds: number;
}

export function summaryRecord(f: SummaryFacts) {
  const { options, lastEpoch: epochLine } = f;
  const recipe = options.recipeValue;
  return {
    type: 'summary',
    ok: true,
    stopped: f.stopped,
    preset: options.preset,
    recipe: options.recipe,
    dataset: options.dataset,
    backend: f.ready?.backend ?? null,
    adapter: f.ready?.adapter ?? null,
    params: f.params,
    epochs: epochLine?.epoch ?? 0,
    epochsPlanned: recipe.epochs,
    batchSize: recipe.batchSize,
    lr: recipe.optimizer.lr,
    images: f.sizes,
    final: epochLine && {
      trainLoss: epochLine.trainLoss,
      trainAcc: epochLine.trainAcc,
      testLoss: epochLine.testLoss,
      testAcc: epochLine.testAcc,
      ...('valAcc' in epochLine ? { valLoss: epochLine.valLoss, valAcc: epochLine.valAcc } : {}),
    },
    imagesPerSecond: round(f.last?.imagesPerSecond ?? 0, 1),
    trainSeconds: round(f.trainSeconds, 2),
    setupSeconds: { ...f.setupSeconds, build: round(f.setupSeconds.build, 2) },
    wallSeconds: f.wallSeconds,
  };
}

export function summaryLine(summary: ReturnType<typeof summaryRecord>, title: string): string {
  const f = summary.final;
  return (
    `${summary.stopped ? 'stopped' : 'done'}: ${summary.preset} ` +
    `(${summary.params.toLocaleString('en-US')} params) on ${title}, ${summary.backend} ` +
    `(${summary.adapter}), ${summary.epochs}/${summary.epochsPlanned} epoch(s)` +
    (f
      ? `: train loss ${f.trainLoss.toFixed(4)}, train acc ${f.trainAcc.toFixed(2)}%, ` +
        `test loss ${f.testLoss.toFixed(4)}, test acc ${f.testAcc.toFixed(2)}%`
      : '') +
    `, ${summary.imagesPerSecond} img/s, wall ${summary.wallSeconds.toFixed(1)} s`
  );
}

/** The error's message plus, for a diverged run, what to try. */
export function runErrorMessage(end: { code: string; message: string }, lr: number): string {
  const hint =
    end.code === 'diverged'
      ? ` Try a lower learning rate: the recipe's is ${lr}; pass a ` +
        'recipe JSON file with a smaller optimizer.lr (or set gradClip).'
      : '';
  return `${end.message}${hint}`;
}
