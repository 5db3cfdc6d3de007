import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetRecipe } from '../spec/recipes';
import type { ArchSpec, Recipe } from '../spec/types';
import { CIFAR10_STATS } from './augment';
import { basicStage, bottleneckStage } from './testSpecs';
import { createTrainer, DivergedError, type Batch } from './train';

// Narrow nets: the cpu backend's conv backprop is slow, and these tests are about the step's
// bookkeeping, not the network.
const narrow: ArchSpec = {
  stem: { kind: 'cifar', channels: 4, dropout: 0 },
  stages: [basicStage(1, 4, 1), basicStage(1, 8, 2)],
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
};

function recipe(overrides: Partial<Recipe> = {}): Recipe {
  return { ...presetRecipe('quick')!, ...overrides };
}

/** n images with a class-dependent colour, so a tiny net can learn them. */
function syntheticBatch(n: number, seed = 1): Batch {
  const pixels = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = (i * 7 + seed) % 10;
    for (let p = 0; p < 3072; p++) {
      const channel = Math.floor(p / 1024);
      pixels[i * 3072 + p] = (labels[i] * 25 + channel * 60 + ((p * 13) % 17)) % 256;
    }
  }
  return { pixels, labels, size: n };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('train step', () => {
  it('lowers the loss on a fixed batch and leaks no tensor between steps', async () => {
    const trainer = createTrainer({
      spec: narrow,
      recipe: recipe({
        augment: { crop: false, flip: false, colorJitter: null, randomErasing: 0 },
      }),
      stats: CIFAR10_STATS,
      stepsPerEpoch: 100,
    });
    const batch = syntheticBatch(8);
    const losses: number[] = [];
    let afterStep2 = 0;
    for (let i = 0; i < 10; i++) {
      losses.push((await trainer.step(batch, 0, i)).loss);
      if (i === 1) afterStep2 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(afterStep2);
    expect(losses[9]).toBeLessThan(losses[0] * 0.8);
    expect(trainer.steps()).toBe(10);
    trainer.dispose();
  });

  it('updates batch-norm running statistics once per step', async () => {
    const trainer = createTrainer({
      spec: narrow,
      recipe: recipe(),
      stats: CIFAR10_STATS,
      stepsPerEpoch: 10,
    });
    await trainer.step(syntheticBatch(4), 0, 0);
    await trainer.step(syntheticBatch(4, 3), 0, 1);
    const tracked = trainer.model.buffers.get('bn1.num_batches_tracked')!;
    expect((await tracked.data())[0]).toBe(2);
    trainer.dispose();
  });

  it('follows the schedule: one-cycle starts at max_lr / div_factor', async () => {
    const onecycle = presetRecipe('notebook-onecycle')!;
    const trainer = createTrainer({
      spec: narrow,
      recipe: { ...onecycle, batchSize: 4, augment: recipe().augment },
      stats: CIFAR10_STATS,
      stepsPerEpoch: 5,
    });
    const { lr } = await trainer.step(syntheticBatch(4), 0, 0);
    expect(lr).toBeCloseTo(1e-2 / 25, 10);
    trainer.dispose();
  });

  it('stops on a non-finite loss without touching the weights', async () => {
    const trainer = createTrainer({
      spec: narrow,
      recipe: recipe({
        optimizer: { kind: 'sgd', lr: 1e30, momentum: 0, nesterov: false, weightDecay: 0 },
        schedule: { kind: 'constant' },
      }),
      stats: CIFAR10_STATS,
      stepsPerEpoch: 10,
    });
    const batch = syntheticBatch(4);
    let error: unknown;
    let before: Float32Array | undefined;
    for (let i = 0; i < 5 && !error; i++) {
      before = (await trainer.model.params.get('fc.weight')!.data()) as Float32Array;
      await trainer.step(batch, 0, i).catch((e) => (error = e));
    }
    expect(error).toBeInstanceOf(DivergedError);
    expect((error as Error).message).toMatch(/lower learning rate/);
    expect(await trainer.model.params.get('fc.weight')!.data()).toEqual(before);
    expect(trainer.model.pendingBatchNormUpdates()).toBe(0);
    trainer.dispose();
  });

  it('trains a grouped (ResNeXt) block stack with gradient clipping', async () => {
    const resnext: ArchSpec = { ...narrow, stages: [bottleneckStage(1, 16, 8, 4, 1)] };
    const trainer = createTrainer({
      spec: resnext,
      recipe: recipe({ gradClip: 1 }),
      stats: CIFAR10_STATS,
      stepsPerEpoch: 10,
    });
    const { loss } = await trainer.step(syntheticBatch(4), 0, 0);
    expect(Number.isFinite(loss)).toBe(true);
    trainer.dispose();
  });
});

describe('evaluate', () => {
  it('reports loss, accuracy, per-class accuracy and a confusion matrix that add up', async () => {
    const trainer = createTrainer({
      spec: narrow,
      recipe: recipe(),
      stats: CIFAR10_STATS,
      stepsPerEpoch: 10,
    });
    const batches = [syntheticBatch(6), syntheticBatch(4, 5)];
    const before = tf.memory().numTensors;
    const result = await trainer.evaluate(batches);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.examples).toBe(10);
    const total = result.confusion.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(10);
    const right = result.confusion.reduce((sum, row, c) => sum + row[c], 0);
    expect(result.accuracy).toBeCloseTo((100 * right) / 10, 10);
    expect(result.perClass).toHaveLength(10);
    expect(result.predicted).toHaveLength(10);
    const labels = batches.flatMap((b) => [...b.labels]);
    const agree = labels.filter((label, i) => result.predicted[i] === label).length;
    expect(agree).toBe(right);
    expect(Number.isFinite(result.loss)).toBe(true);
    trainer.dispose();
  });
});

describe('checkpoint', () => {
  it('resumes exactly: a restored trainer takes the same next step as the original', async () => {
    const options = {
      spec: narrow,
      recipe: recipe({
        optimizer: {
          kind: 'adamw',
          lr: 1e-2,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0.1,
        },
        augment: { crop: true, flip: true, colorJitter: null, randomErasing: 0 },
      } as Partial<Recipe>),
      stats: CIFAR10_STATS,
      stepsPerEpoch: 10,
    };
    const original = createTrainer(options);
    await original.step(syntheticBatch(4), 0, 0);
    await original.step(syntheticBatch(4, 2), 0, 1);
    const saved = structuredClone(await original.checkpoint());
    const before = tf.memory().numTensors;
    const resumed = createTrainer({ ...options, checkpoint: saved });
    expect(resumed.steps()).toBe(2);

    const next = syntheticBatch(4, 3);
    const a = await original.step(next, 0, 2);
    const b = await resumed.step(next, 0, 2);
    expect(b.loss).toBe(a.loss);
    expect(await resumed.model.params.get('conv1.weight')!.data()).toEqual(
      await original.model.params.get('conv1.weight')!.data(),
    );
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(before);
    original.dispose();
  });
});
