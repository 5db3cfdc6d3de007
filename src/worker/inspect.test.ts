import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataCache } from '../data/cache';
import { importFileToCache } from '../data/download';
import { buildSyntheticArchive } from '../data/synthetic';
import { CIFAR10_STATS } from '../engine/augment';
import { basicStage, resnet8 } from '../engine/testSpecs';
import { createTrainer } from '../engine/train';
import { presetRecipe } from '../spec/recipes';
import { saveCheckpoint } from './checkpoints';
import { inspectRun, inspectTransfers } from './inspect';
import type { InspectRequest } from './protocol';
import { loadCachedDataset, type LiveModel } from './run';

// ResNet-8's layout at width 4: a real network, quick on the cpu backend.
const spec = { ...resnet8(), stem: { kind: 'cifar' as const, channels: 4, dropout: 0 } };
spec.stages = [basicStage(1, 4, 1), basicStage(1, 8, 2)];
const recipe = { ...presetRecipe('quick')!, batchSize: 4 };
const request = (runId: string, imageIndex = 3): InspectRequest => ({
  runId,
  spec,
  dataset: 'cifar10',
  backend: 'cpu',
  imageIndex,
});
const noPrepare = async () => undefined;
const newTrainer = () => createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 2 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 1,
    trainRecords: 8,
    testRecords: 6,
  });
  await importFileToCache(new File([archive], 'cifar-10-binary.tar.gz'), {
    cache: new DataCache(),
  });
});

describe('inspectRun', () => {
  it('a saved run: its checkpoint, the test image asked for, its true label', async () => {
    const trainer = newTrainer();
    const data = await loadCachedDataset('cifar10');
    await trainer.step(
      { pixels: data.train.pixels.subarray(0, 4 * 3072), labels: data.train.labels, size: 4 },
      0,
      0,
    );
    await saveCheckpoint({
      runId: 'saved',
      epoch: 1,
      checkpoint: await trainer.checkpoint(),
      history: [],
    });
    // The same image through the trainer's own model: the rebuilt one must agree.
    const live: LiveModel = { runId: 'saved', model: trainer.model, epochs: () => 0.5 };
    const fromLive = await inspectRun(request('saved'), () => live, noPrepare);
    trainer.dispose();

    const before = tf.memory().numTensors;
    const ready = await inspectRun(request('saved'), () => undefined, noPrepare);
    expect(tf.memory().numTensors).toBe(before);
    expect(ready).toMatchObject({ type: 'inspect-ready', epoch: 1, live: false, imageIndex: 3 });
    expect(ready.label).toBe(data.test.labels[3]);
    expect(fromLive).toMatchObject({ epoch: 0.5, live: true });
    ready.view.predictions.forEach((p, i) => {
      expect(p.classIndex).toBe(fromLive.view.predictions[i].classIndex);
      expect(p.probability).toBeCloseTo(fromLive.view.predictions[i].probability, 5);
    });
    expect(inspectTransfers(ready.view)).toHaveLength(1 + ready.view.featureMaps.length);
  });

  it('the training run: waits for the step under way, then sees its weights', async () => {
    const trainer = newTrainer();
    let finishStep = () => {};
    const live: LiveModel = { runId: 'live', model: trainer.model, epochs: () => 1.25 };
    const step = new Promise<void>((resolve) => (finishStep = resolve));
    // As run.ts: the step's end clears `stepping` before anyone awaiting it resumes.
    live.stepping = step.finally(() => (live.stepping = undefined));
    let settled = false;
    const looking = inspectRun(request('live'), () => live, noPrepare).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    // The "step": an fc giving every class the same logit, so every probability is 0.1.
    for (const name of ['fc.weight', 'fc.bias']) {
      const v = trainer.model.params.get(name)!;
      tf.tidy(() => v.assign(tf.zerosLike(v)));
    }
    finishStep();
    const ready = await looking;
    expect(ready).toMatchObject({ live: true, epoch: 1.25 });
    for (const p of ready.view.predictions) expect(p.probability).toBeCloseTo(0.1, 6);
    trainer.dispose();
  });

  it('says what to do when a run has no checkpoint, or the image does not exist', async () => {
    await expect(inspectRun(request('never-saved'), () => undefined, noPrepare)).rejects.toThrow(
      /no saved weights yet.*wait for its first epoch to end/,
    );
    await expect(inspectRun(request('saved', 6), () => undefined, noPrepare)).rejects.toThrow(
      /6 images; there is no image 6/,
    );
  });
});
