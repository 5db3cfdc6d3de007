// One training step and one evaluation pass, put together from the pieces beside this file:
// model (forward, deferred BN updates), augment (on the device), loss, optim (PyTorch rules),
// schedule (per step or per epoch as PyTorch). The worker, the headless runner and the
// benchmark all train through this file, so there is one train step in the project.
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../spec/random';
import type { ArchSpec, Recipe } from '../spec/types';
import type { Batch as DataBatch } from '../data/batches';
import { augmentBatch, normalize, toTensor, type NormStats } from './augment';
import {
  assignVariables,
  captureCheckpoint,
  optimizerStateOf,
  type Checkpoint,
} from './checkpoint';
import { correctTop1, crossEntropy, isFiniteLoss } from './loss';
import { buildModel, type Model } from './model';
import { clipGradNorm, createOptimizer, type Optimizer } from './optim';
import { learningRate, scheduledMomentum } from './schedule';

/** A batch as the data layer hands it over: CIFAR's CHW uint8 pixels and the labels. */
export type Batch = Pick<DataBatch, 'pixels' | 'labels' | 'size'>;

export interface StepResult {
  loss: number;
  /** Top-1 correct in this batch (on the augmented images). */
  correct: number;
  lr: number;
}

export interface Evaluation {
  loss: number;
  /** Top-1 accuracy in percent. */
  accuracy: number;
  /** Accuracy in percent per class (NaN for a class with no example). */
  perClass: number[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** The predicted class of every example, in the order evaluated. */
  predicted: Uint8Array;
  examples: number;
}

/** One epoch's figures: what the worker reports, the history keeps and the export writes. */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  /** Accuracies in percent. */
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  /**
   * The test figures are over the first `testImages` of the split's `testSplitImages`: a short
   * run checks a subset each epoch, and its last epoch the whole split. (Absent in records
   * written before the counts were kept.)
   */
  testImages?: number;
  testSplitImages?: number;
  valLoss?: number;
  valAcc?: number;
  /** Held-out images evaluated for valLoss / valAcc. */
  valImages?: number;
  perClassAcc: number[];
  seconds: number;
}

/** The loss became NaN or infinite: the step was not applied, the weights are as before it. */
export class DivergedError extends Error {
  constructor(readonly step: number) {
    super(
      `the loss became non-finite at step ${step}; the run stopped and kept its last good ` +
        'checkpoint. Try a lower learning rate or gradient clipping.',
    );
    this.name = 'DivergedError';
  }
}

export interface Trainer {
  readonly model: Model;
  readonly optimizer: Optimizer;
  /** The augmentation generator: its state goes into checkpoints. */
  readonly rng: Rng;
  /** Steps taken so far (PyTorch's global iteration count). */
  steps(): number;
  step(batch: Batch, epoch: number, stepInEpoch: number): Promise<StepResult>;
  evaluate(batches: Iterable<Batch>): Promise<Evaluation>;
  /** Everything needed to continue exactly from here (weights, optimizer, RNGs, steps). */
  checkpoint(): Promise<Checkpoint>;
  dispose(): void;
}

export interface TrainerOptions {
  spec: ArchSpec;
  recipe: Recipe;
  stats: NormStats;
  stepsPerEpoch: number;
  /** Continue from this checkpoint instead of from the seeded initial weights. */
  checkpoint?: Checkpoint;
}

export function createTrainer(options: TrainerOptions): Trainer {
  const { spec, recipe, stats, stepsPerEpoch } = options;
  const model = buildModel(spec, { seed: recipe.seed });
  const optimizer = createOptimizer(recipe.optimizer);
  // Augmentation has its own stream so that changing the model never changes the data order.
  const saved = options.checkpoint;
  const rng = createRng(saved?.augmentRng ?? (recipe.seed ^ 0x9e3779b9) >>> 0);
  const trainable = [...model.params.values()];
  const nameOf = new Map([...model.params].map(([name, v]) => [v.name, name]));
  let stepsDone = saved?.steps ?? 0;
  if (saved) {
    assignVariables(model.params, saved.params);
    assignVariables(model.buffers, saved.buffers);
    const state = optimizerStateOf(saved);
    optimizer.loadState(state);
    for (const slot of Object.values(state.params)) {
      tf.dispose([slot.momentumBuffer, slot.expAvg, slot.expAvgSq]);
    }
    model.setDropoutRngState(saved.dropoutRng);
  }

  async function step(batch: Batch, epoch: number, stepInEpoch: number): Promise<StepResult> {
    const { schedule, epochs } = recipe;
    const lr = learningRate(
      schedule,
      recipe.optimizer.lr,
      epoch,
      stepInEpoch,
      stepsPerEpoch,
      epochs,
    );
    const momentum = scheduledMomentum(schedule, epoch, stepInEpoch, stepsPerEpoch, epochs);
    const labels = tf.tensor1d(Int32Array.from(batch.labels.subarray(0, batch.size)), 'int32');
    const x = tf.tidy(() =>
      augmentBatch(toTensor(batch.pixels, batch.size), recipe.augment, rng, stats.mean, stats.std),
    );
    let correct: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.forward(x, true);
      correct = tf.keep(correctTop1(logits, labels));
      return crossEntropy(logits, labels, recipe.labelSmoothing);
    }, trainable);
    tf.dispose([x, labels]);
    // Both read-backs in flight at once: one wait for the device per step, not two.
    const [[loss], [correctCount]] = await Promise.all([value.data(), correct!.data()]);
    tf.dispose([value, correct!]);

    if (!isFiniteLoss(loss)) {
      tf.dispose(Object.values(grads));
      model.discardBatchNormUpdates();
      throw new DivergedError(stepsDone);
    }
    let named = new Map(Object.entries(grads).map(([v, g]) => [nameOf.get(v)!, g]));
    if (recipe.gradClip > 0) {
      const clipped = clipGradNorm(named, recipe.gradClip);
      tf.dispose([...named.values(), clipped.totalNorm]);
      named = clipped.grads;
    }
    optimizer.step(model.params, named, lr, momentum ?? undefined);
    tf.dispose([...named.values()]);
    model.applyBatchNormUpdates();
    stepsDone++;
    return { loss, correct: correctCount, lr };
  }

  async function evaluate(batches: Iterable<Batch>): Promise<Evaluation> {
    const classes = spec.classes;
    const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
    let lossSum = 0;
    let examples = 0;
    const predictedChunks: Uint8Array[] = [];
    for (const batch of batches) {
      const labels = batch.labels.subarray(0, batch.size);
      const [loss, predicted] = tf.tidy(() => {
        const x = normalize(toTensor(batch.pixels, batch.size), stats.mean, stats.std);
        const logits = model.forward(x, false);
        const y = tf.tensor1d(Int32Array.from(labels), 'int32');
        return [crossEntropy(logits, y).mul(batch.size), logits.argMax(1)];
      });
      lossSum += (await loss.data())[0];
      const guesses = await predicted.data();
      tf.dispose([loss, predicted]);
      labels.forEach((label, i) => confusion[label][guesses[i]]++);
      predictedChunks.push(Uint8Array.from(guesses));
      examples += batch.size;
    }
    const right = confusion.reduce((sum, row, c) => sum + row[c], 0);
    const perClass = confusion.map((row, c) => {
      const total = row.reduce((a, b) => a + b, 0);
      return total ? (100 * row[c]) / total : NaN;
    });
    return {
      loss: examples ? lossSum / examples : NaN,
      accuracy: examples ? (100 * right) / examples : NaN,
      perClass,
      confusion,
      predicted: concat(predictedChunks),
      examples,
    };
  }

  return {
    model,
    optimizer,
    rng,
    steps: () => stepsDone,
    step,
    evaluate,
    checkpoint: () =>
      captureCheckpoint({
        params: model.params,
        buffers: model.buffers,
        optimizerState: () => optimizer.state(),
        augmentRng: rng.state(),
        dropoutRng: model.dropoutRngState(),
        steps: stepsDone,
      }),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
