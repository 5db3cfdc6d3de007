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
import { releaseCheckpointInputs } from './recompute';
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
  valLoss?: number;
  valAcc?: number;
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
  /** Gradient checkpointing per block (model.ts, recompute.ts): less memory, more time. */
  recompute?: boolean;
  /**
   * Train each batch as micro-batches of at most this many images, accumulating their
   * gradients into one optimizer step (preflight.ts picks it when a batch does not fit).
   * Batch norm then normalises with each micro-batch's statistics and updates its running
   * statistics once per micro-batch, as PyTorch does under gradient accumulation.
   */
  microBatch?: number;
}

export function createTrainer(options: TrainerOptions): Trainer {
  const { spec, recipe, stats, stepsPerEpoch } = options;
  const model = buildModel(spec, { seed: recipe.seed, recompute: options.recompute });
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

  /**
   * One micro-batch's forward and backward: its gradients scaled by `weight` (its share of the
   * step's images, so that summed over the micro-batches they are the whole batch's mean-loss
   * gradients), its loss and its top-1 count. Its batch-norm statistics are queued.
   */
  async function microStep(batch: Batch, weight: number) {
    const labels = tf.tensor1d(Int32Array.from(batch.labels.subarray(0, batch.size)), 'int32');
    const x = tf.tidy(() =>
      augmentBatch(toTensor(batch.pixels, batch.size), recipe.augment, rng, stats.mean, stats.std),
    );
    let correct: tf.Scalar | undefined;
    let gradients: ReturnType<typeof tf.variableGrads>;
    try {
      gradients = tf.variableGrads(() => {
        const logits = model.forward(x, true);
        correct = tf.keep(correctTop1(logits, labels));
        const loss = crossEntropy(logits, labels, recipe.labelSmoothing);
        return weight === 1 ? loss : tf.mul(loss, weight);
      }, trainable);
    } finally {
      releaseCheckpointInputs();
      tf.dispose([x, labels]);
    }
    const { value, grads } = gradients;
    // Both read-backs in flight at once: one wait for the device per step, not two.
    const [[loss], [correctCount]] = await Promise.all([value.data(), correct!.data()]);
    tf.dispose([value, correct!]);
    return { grads, loss: loss / weight, correct: correctCount };
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
    // Gradient accumulation (options.microBatch): the optimizer sees the whole batch's gradient,
    // as PyTorch's loss/k + k backward() calls + one optimizer.step() gives.
    const parts = splitBatch(batch, options.microBatch ?? batch.size);
    let summed: tf.NamedTensorMap | null = null;
    let loss = 0;
    let correct = 0;
    for (const part of parts) {
      const weight = part.size / batch.size;
      const result = await microStep(part, weight);
      loss += result.loss * weight;
      correct += result.correct;
      if (!isFiniteLoss(result.loss)) {
        tf.dispose([...Object.values(result.grads), ...Object.values(summed ?? {})]);
        model.discardBatchNormUpdates();
        throw new DivergedError(stepsDone);
      }
      summed = summed ? accumulate(summed, result.grads) : result.grads;
    }
    let named = new Map(Object.entries(summed!).map(([v, g]) => [nameOf.get(v)!, g]));
    if (recipe.gradClip > 0) {
      const clipped = clipGradNorm(named, recipe.gradClip);
      tf.dispose([...named.values(), clipped.totalNorm]);
      named = clipped.grads;
    }
    optimizer.step(model.params, named, lr, momentum ?? undefined);
    tf.dispose([...named.values()]);
    model.applyBatchNormUpdates();
    stepsDone++;
    return { loss, correct, lr };
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

/** The batch in consecutive parts of at most `size` images (views, no copies). */
export function splitBatch(batch: Batch, size: number): Batch[] {
  if (size >= batch.size) return [batch];
  const parts: Batch[] = [];
  for (let start = 0; start < batch.size; start += size) {
    const n = Math.min(size, batch.size - start);
    parts.push({
      pixels: batch.pixels.subarray(start * 3072, (start + n) * 3072),
      labels: batch.labels.subarray(start, start + n),
      size: n,
    });
  }
  return parts;
}

/** sum + next, disposing both inputs. */
function accumulate(sum: tf.NamedTensorMap, next: tf.NamedTensorMap): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const key of Object.keys(sum)) out[key] = tf.add(sum[key], next[key]);
  tf.dispose([...Object.values(sum), ...Object.values(next)]);
  return out;
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
