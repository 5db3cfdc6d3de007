// One training run, start (or resume) to finish: data from the IndexedDB cache, the trainer,
// epochs of steps with throttled progress, evaluation and a checkpoint at each epoch end.
import { DataCache } from '../data/cache';
import { DATASETS, type DatasetId } from '../data/cifar';
import { DataError } from '../data/errors';
import {
  createBatchSource,
  loadDataset,
  sliceSplit,
  splitValidation,
  type DataSplit,
} from '../data/batches';
import { CIFAR100_STATS, CIFAR10_STATS } from '../engine/augment';
import type { Checkpoint } from '../engine/checkpoint';
import type { Model } from '../engine/model';
import { memoryBudget, planMemory } from '../engine/preflight';
import { createTrainer, type Evaluation, type Trainer } from '../engine/train';
import type { Recipe } from '../spec/types';
import { loadCheckpoint, saveCheckpoint, type SavedRun } from './checkpoints';
import { createRunTracer } from './trace';
import type { BackendFault, EpochMetrics, EpochResults, RunConfig, WorkerEvent } from './protocol';

/** Set by the worker's message handler, read between steps. */
export interface RunControl {
  paused: boolean;
  stopped: boolean;
  /** Resolves the wait of a paused run (set while it waits). */
  wake?: () => void;
  /**
   * The model being trained, for read-only looks (the inside views); set while it trains.
   * `stepping` is the step under way: a look waits for it, so it never sees half a step.
   */
  live?: LiveModel;
  /** Test hook (protocol's inject-fault): fail as a dead backend would, after this many steps. */
  fault?: { kind: BackendFault; afterSteps: number };
  /** Set when the backend died outside a step (a lost GPU device): the run ends with it. */
  lost?: Error;
}

/** The backend died under the run (or a test said it did); the worker must be replaced. */
export class BackendLostError extends Error {
  constructor(
    message: string,
    readonly memory: boolean,
  ) {
    super(message);
    this.name = 'BackendLostError';
  }
}

/** An injected fault's error: what a real WASM abort (memory) or device loss turns into. */
export function injectedFault(kind: BackendFault): BackendLostError {
  return kind === 'wasm-abort'
    ? new BackendLostError('The WASM module aborted: Aborted() (injected by a test)', true)
    : new BackendLostError('the GPU device was lost: unknown (injected by a test)', false);
}

export interface LiveModel {
  runId: string;
  model: Model;
  /** Epochs trained so far, fractional mid-epoch. */
  epochs: () => number;
  stepping?: Promise<unknown>;
}

/** Progress events at most this often: enough for smooth charts, never a flood. */
const PROGRESS_INTERVAL_MS = 250;
const EVAL_BATCH = 256;
/** Test images shown with their predictions after each epoch. */
const SAMPLE_IMAGES = 32;

const limit = (split: DataSplit, n: number) =>
  n > 0 ? sliceSplit(split, 0, Math.min(n, split.count)) : split;

/** The dataset from the IndexedDB cache; a DataError that says what to do when it is not there. */
export async function loadCachedDataset(dataset: DatasetId, then = 'start again') {
  const cache = new DataCache();
  const manifest = await cache.getManifest(dataset);
  const title = DATASETS[dataset].title;
  if (!manifest) {
    throw new DataError(
      'missing-shard',
      `${title} is not in this browser yet: get it in the Data panel (download or import the ` +
        `archive), then ${then}.`,
    );
  }
  return loadDataset(manifest, (shard) => cache.getShard(shard));
}

async function loadSplits(config: RunConfig) {
  const data = await loadCachedDataset(config.dataset);
  const { train, validation } = splitValidation(data.train, config.recipe.validationSplit);
  return {
    train: limit(train, config.limitTrain),
    // Held-out images are evaluated like the test split: a short run checks a few of them.
    validation: validation.count > 0 ? limit(validation, config.limitTest) : null,
    test: limit(data.test, config.limitTest),
    /** The whole test split: a finished run's final figures are measured on it. */
    fullTest: data.test,
  };
}

/** Resolves after the event loop has run one task (a message from the page, say). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export async function evaluate(trainer: Trainer, split: DataSplit) {
  const source = createBatchSource(split, { batchSize: EVAL_BATCH, seed: 0, shuffle: false });
  return trainer.evaluate(source.epoch(0));
}

/** The confusion matrix and the first test images with their predictions. */
export function epochResults(epoch: number, test: DataSplit, evaluation: Evaluation): EpochResults {
  const shown = Math.min(SAMPLE_IMAGES, test.count);
  const samples = {
    pixels: test.pixels.slice(0, shown * 3072),
    labels: test.labels.slice(0, shown),
    predicted: evaluation.predicted.slice(0, shown),
  };
  return { epoch, confusion: evaluation.confusion, samples };
}

/**
 * The checkpoint a run starts from. A weights-only record (imported weights) gets a fresh
 * optimizer of the run's recipe, and its step count is wound forward to its epoch, so the
 * schedule, the curves and the ETA count from there; its random streams are kept.
 */
function startingPoint(saved: SavedRun, recipe: Recipe, stepsPerEpoch: number): Checkpoint {
  if (!saved.weightsOnly) return saved.checkpoint;
  return {
    ...saved.checkpoint,
    optimizer: { kind: recipe.optimizer.kind, step: 0, params: {} },
    steps: saved.epoch * stepsPerEpoch,
  };
}

/** Resolves true when the run was stopped, false when it trained all its epochs. */
export async function runTraining(
  config: RunConfig,
  resume: boolean,
  control: RunControl,
  post: (event: WorkerEvent) => void,
): Promise<boolean> {
  const { runId, recipe, spec } = config;
  const splits = await loadSplits(config);
  const source = createBatchSource(splits.train, {
    batchSize: recipe.batchSize,
    seed: recipe.seed,
  });
  // Before anything is built: does the batch fit? (Throws MemoryPreflightError when not.)
  const memory = planMemory(spec, recipe, memoryBudget(), config.maxMicroBatch);
  post({ type: 'memory-plan', runId, plan: memory });
  const saved = resume ? await loadCheckpoint(runId) : undefined;
  const history: EpochMetrics[] = saved?.history ?? [];
  if (saved) post({ type: 'resumed-from', runId, epoch: saved.epoch, history });
  const tracer = config.trace ? createRunTracer(config, post) : undefined;

  const trainer = createTrainer({
    spec,
    recipe,
    stats: config.dataset === 'cifar100' ? CIFAR100_STATS : CIFAR10_STATS,
    stepsPerEpoch: source.batchesPerEpoch,
    checkpoint: saved && startingPoint(saved, recipe, source.batchesPerEpoch),
    onStep: tracer?.onStep,
    recompute: memory.recompute,
    microBatch: memory.microBatch,
  });
  const live: LiveModel = {
    runId,
    model: trainer.model,
    epochs: () => trainer.steps() / source.batchesPerEpoch,
  };
  control.live = live;
  try {
    const info = { stepsPerEpoch: source.batchesPerEpoch, trainImages: splits.train.count };
    await tracer?.start(trainer.model, info);
    const totalSteps = recipe.epochs * source.batchesPerEpoch;
    let lastPost = 0;
    let unsent: { step: number; loss: number; lr: number }[] = [];
    let imagesSinceStart = 0;
    let trainingMs = 0;
    for (let epoch = saved?.epoch ?? 0; epoch < recipe.epochs; epoch++) {
      const epochStart = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (const batch of source.epoch(epoch)) {
        // WASM and CPU steps resolve in microtasks only: without a task turn here, 'pause' and
        // 'stop' would not be read before the epoch's end (its IndexedDB checkpoint).
        await nextTask();
        while (control.paused && !control.stopped) {
          post({ type: 'paused', runId });
          await new Promise<void>((wake) => (control.wake = wake));
        }
        if (control.lost) throw control.lost;
        if (control.stopped) return true;
        if (control.fault && control.fault.afterSteps-- <= 0)
          throw injectedFault(control.fault.kind);
        const t0 = performance.now();
        const stepping = trainer.step(batch, epoch, batch.index);
        live.stepping = stepping;
        const result = await stepping.finally(() => (live.stepping = undefined));
        trainingMs += performance.now() - t0;
        await tracer?.afterStep(trainer.model, trainer.steps());
        imagesSinceStart += batch.size;
        lossSum += result.loss * batch.size;
        correct += result.correct;
        seen += batch.size;
        unsent.push({ step: trainer.steps(), loss: result.loss, lr: result.lr });
        const now = performance.now();
        const last = batch.index === source.batchesPerEpoch - 1;
        if (now - lastPost >= PROGRESS_INTERVAL_MS || last) {
          lastPost = now;
          const imagesPerSecond = (1000 * imagesSinceStart) / trainingMs;
          const stepsLeft = totalSteps - trainer.steps();
          post({
            type: 'progress',
            runId,
            epoch,
            step: batch.index + 1,
            stepsPerEpoch: source.batchesPerEpoch,
            loss: result.loss,
            accuracy: (100 * result.correct) / batch.size,
            lr: result.lr,
            imagesPerSecond,
            etaSeconds: (stepsLeft * recipe.batchSize) / imagesPerSecond,
            steps: unsent,
          });
          unsent = [];
        }
      }
      // Each epoch checks the run's subset (cheap, comparable from epoch to epoch); the last
      // one the whole split, so the figure a finished run reports and exports is the test
      // accuracy, not a subset's.
      const testSplit = epoch + 1 === recipe.epochs ? splits.fullTest : splits.test;
      post({ type: 'evaluating', runId, images: testSplit.count, of: splits.fullTest.count });
      const test = await evaluate(trainer, testSplit);
      const validation = splits.validation ? await evaluate(trainer, splits.validation) : null;
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAcc: (100 * correct) / seen,
        testLoss: test.loss,
        testAcc: test.accuracy,
        testImages: testSplit.count,
        testSplitImages: splits.fullTest.count,
        ...(validation
          ? {
              valLoss: validation.loss,
              valAcc: validation.accuracy,
              valImages: splits.validation!.count,
            }
          : {}),
        perClassAcc: test.perClass,
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(metrics);
      const results = epochResults(epoch + 1, testSplit, test);
      post({ type: 'epoch-end', runId, metrics, results });
      await saveCheckpoint({
        runId,
        epoch: epoch + 1,
        checkpoint: await trainer.checkpoint(),
        history,
      });
      post({ type: 'checkpoint-saved', runId, epoch: epoch + 1 });
    }
    return false;
  } finally {
    control.live = undefined;
    // The trace ends where the weights are: after the last applied step, stopped or not.
    await tracer?.finish(trainer.model, trainer.steps()).catch(() => undefined);
    trainer.dispose();
  }
}
