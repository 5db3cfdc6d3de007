// One training step and one evaluation pass, put together from the pieces beside this file:
// model (forward, deferred BN updates), augment (on the device), loss, optim (PyTorch rules),
// schedule (per step or per epoch as PyTorch). The worker, the headless runner and the
// benchmark all train through this file, so there is one train step in the project.
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../spec/random';
import type { ArchSpec, Recipe } from '../spec/types';
import type { Batch as DataBatch } from '../data/batches';
import {
  applyAugment,
  normalize,
  planAugment,
  toTensor,
  type ImageAugment,
  type NormStats,
} from './augment';
import {
  assignVariables,
  captureCheckpoint,
  optimizerStateOf,
  type Checkpoint,
} from './checkpoint';
import { kernelMode } from './kernels';
import { augmentBytes } from './kernels/augmentBytes';
import { softmaxCrossEntropy } from './kernels/softmaxCrossEntropy';
import { correctTop1, crossEntropy, isFiniteLoss } from './loss';
import { buildModel, type Model } from './model';
import { clipGradNorm, createOptimizer, type Optimizer } from './optim';
import { variableGradsFreeing } from './gradients';
import { releaseCheckpointInputs } from './recompute';
import { learningRate, scheduledMomentum } from './schedule';

/**
 * A batch as the data layer hands it over: CIFAR's CHW uint8 pixels and the labels, and (for
 * a training trace) which records of the split they are.
 */
export type Batch = Pick<DataBatch, 'pixels' | 'labels' | 'size'> &
  Partial<Pick<DataBatch, 'indices'>>;

/** One Dropout2d layer's draw in a training forward: keep[i·channels + c] is 1 or 0. */
export interface DropoutDraw {
  layer: string;
  images: number;
  channels: number;
  keep: Uint8Array;
}

/**
 * What one applied step used and drew, for a training trace (engine/trace.ts): handed to
 * TrainerOptions.onStep after the update, so a replay can rebuild the step exactly.
 */
export interface StepTrace {
  /** Global step, from 1. */
  step: number;
  epoch: number;
  stepInEpoch: number;
  lr: number;
  /** SGD's momentum or AdamW's beta1 as used in this step (scheduled or the recipe's). */
  momentum: number;
  /** The mean training loss of the batch, before the update. */
  loss: number;
  indices: Uint32Array | undefined;
  augment: ImageAugment[];
  dropout: DropoutDraw[];
}

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
  /** Called after each applied step with what it used and drew (a training trace). */
  onStep?: (trace: StepTrace) => void;
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
  const { spec, recipe, stats, stepsPerEpoch, onStep } = options;
  // Read once with the model's and the optimizer's: a trainer never mixes the two kinds.
  const kernels = kernelMode();
  // Dropout masks are only collected for a trace; the forward draws them either way.
  let dropoutDraws: DropoutDraw[] = [];
  const model = buildModel(spec, {
    seed: recipe.seed,
    recompute: options.recompute,
    onDropoutMask:
      onStep &&
      ((layer, mask, images, channels) =>
        dropoutDraws.push({ layer, images, channels, keep: Uint8Array.from(mask, (v) => +!!v) })),
  });
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
   * One micro-batch's forward, loss and backward: its gradients scaled by `weight` (its share
   * of the step's images, so that summed over the micro-batches they are the whole batch's
   * mean-loss gradients), its loss and its top-1 count, read back in one wait for the device
   * (one read-out tensor with our kernels, two reads in flight at once with stock). Its
   * batch-norm statistics are queued. Disposes x and labels.
   */
  async function microStep(x: tf.Tensor4D, labels: tf.Tensor1D, weight: number) {
    let readout: tf.Tensor[] = [];
    let gradients: ReturnType<typeof variableGradsFreeing>;
    try {
      gradients = variableGradsFreeing(() => {
        const logits = model.forward(x, true);
        let loss: tf.Scalar;
        if (kernels === 'cardinal') {
          const out = softmaxCrossEntropy(logits, labels, recipe.labelSmoothing);
          readout = [out.readout];
          loss = out.loss;
        } else {
          readout = [tf.keep(correctTop1(logits, labels))];
          loss = crossEntropy(logits, labels, recipe.labelSmoothing);
        }
        return weight === 1 ? loss : tf.mul(loss, weight);
      }, trainable);
    } finally {
      releaseCheckpointInputs();
      tf.dispose([x, labels]);
    }
    const { value, grads } = gradients;
    // With our kernels the read-out already holds the (unweighted) loss: value is not read.
    const toRead = kernels === 'cardinal' ? readout : [value, ...readout];
    const read = (await Promise.all(toRead.map((t) => t.data()))).flatMap((a) => Array.from(a));
    const [loss, correct] = read;
    tf.dispose([value, ...readout]);
    return { grads, loss: kernels === 'cardinal' ? loss : loss / weight, correct };
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
    const plans = planAugment(batch.size, recipe.augment, rng);
    dropoutDraws = [];
    // Gradient accumulation (options.microBatch): the optimizer sees the whole batch's gradient,
    // as PyTorch's loss/k + k backward() calls + one optimizer.step() gives. The augmentation
    // is drawn for the whole batch first, so micro-batching never changes the data.
    const parts = splitBatch(batch, options.microBatch ?? batch.size);
    let summed: tf.NamedTensorMap | null = null;
    let loss = 0;
    let correct = 0;
    let offset = 0;
    for (const part of parts) {
      const partPlans = plans.slice(offset, offset + part.size);
      offset += part.size;
      const labels = tf.tensor1d(Int32Array.from(part.labels.subarray(0, part.size)), 'int32');
      // Our kernels: bytes to input in one dispatch where the plans allow (kernels/augmentBytes.ts).
      const x =
        (kernels === 'cardinal' &&
          augmentBytes(part.pixels, part.size, partPlans, stats.mean, stats.std)) ||
        tf.tidy(() =>
          applyAugment(toTensor(part.pixels, part.size), partPlans, stats.mean, stats.std),
        );
      const weight = part.size / batch.size;
      const result = await microStep(x, labels, weight);
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
    onStep?.({
      step: stepsDone,
      epoch,
      stepInEpoch,
      lr,
      momentum: momentum ?? defaultMomentum(recipe),
      loss,
      indices: batch.indices,
      augment: plans,
      dropout: dropoutDraws,
    });
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

/** SGD's momentum or AdamW's beta1 when the schedule leaves it alone. */
const defaultMomentum = ({ optimizer }: Recipe) =>
  optimizer.kind === 'sgd' ? optimizer.momentum : optimizer.beta1;

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
