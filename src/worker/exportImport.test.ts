import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataCache } from '../data/cache';
import { importFileToCache } from '../data/download';
import { buildSyntheticArchive } from '../data/synthetic';
import { CIFAR10_STATS } from '../engine/augment';
import { BUNDLE_FILES, SafetensorsError, writeSafetensors } from '../engine/export';
import { basicStage } from '../engine/testSpecs';
import { createTrainer } from '../engine/train';
import { presetRecipe } from '../spec/recipes';
import type { ArchSpec, Recipe } from '../spec/types';
import { loadCheckpoint, saveCheckpoint } from './checkpoints';
import { exportRun, importWeights } from './exportImport';
import type { EpochMetrics, ImportRequest, WorkerEvent } from './protocol';
import { evaluate, loadCachedDataset, runTraining } from './run';

const tiny = (width = 4): ArchSpec => ({
  stem: { kind: 'cifar', channels: width, dropout: 0 },
  stages: [basicStage(1, width, 1)],
  head: { pool: 'avg' },
  residual: true,
  reluAfterAdd: true,
  convBias: false,
  classes: 10,
});
const recipe: Recipe = { ...presetRecipe('quick')!, epochs: 2, batchSize: 8 };
const backend = { backend: 'cpu' as const, adapter: 'test' };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 1,
    trainRecords: 16,
    testRecords: 12,
  });
  await importFileToCache(new File([archive], 'cifar-10-binary.tar.gz'), {
    cache: new DataCache(),
  });
});

/** A run "trained" for one epoch: its checkpoint in IndexedDB, and its test evaluation. */
async function savedRun(runId: string, spec = tiny()) {
  const trainer = createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 2 });
  const data = await loadCachedDataset('cifar10');
  for (const batch of [0, 1]) {
    const pixels = data.train.pixels.subarray(batch * 8 * 3072, (batch + 1) * 8 * 3072);
    await trainer.step(
      { pixels, labels: data.train.labels.subarray(batch * 8), size: 8 },
      0,
      batch,
    );
  }
  const test = await evaluate(trainer, data.test);
  const metrics: EpochMetrics = {
    epoch: 1,
    trainLoss: 2,
    trainAcc: 10,
    testLoss: test.loss,
    testAcc: test.accuracy,
    perClassAcc: test.perClass,
    seconds: 1,
  };
  await saveCheckpoint({
    runId,
    epoch: 1,
    checkpoint: await trainer.checkpoint(),
    history: [metrics],
  });
  trainer.dispose();
  return { spec, metrics };
}

const importRequest = (runId: string, bytes: Uint8Array, spec = tiny(8)): ImportRequest => ({
  runId,
  fileName: 'weights.safetensors',
  bytes,
  spec,
  recipe: presetRecipe('quick')!,
  dataset: 'cifar10',
  backend: 'cpu',
});

describe('export and import in the worker', () => {
  it('exports a run as the bundle and imports its weights back with the same evaluation', async () => {
    const { spec, metrics } = await savedRun('run-a');
    const request = {
      runId: 'run-a',
      spec,
      recipe,
      dataset: 'cifar10' as const,
      backend: 'cpu' as const,
    };
    const { fileName, bytes, epoch } = await exportRun({ ...request, name: 'tiny' });
    expect(fileName).toBe('cardinal-tiny-cifar10-epoch1.zip');
    expect(epoch).toBe(1);
    const zip = unzipSync(bytes);
    expect(Object.keys(zip).sort()).toEqual([...BUNDLE_FILES].sort());
    expect(JSON.parse(new TextDecoder().decode(zip['spec.json']))).toEqual(spec);

    // The metadata's spec wins over the page's (a different width here).
    const imported = await importWeights(
      importRequest('import-a', zip['weights.safetensors']),
      backend,
    );
    expect(imported.spec).toEqual(spec);
    expect(imported.recipe).toEqual(recipe);
    expect(imported.fromFile).toEqual({ spec: true, recipe: true, dataset: true });
    expect(imported.epoch).toBe(1);
    expect(imported.metrics.testAcc).toBe(metrics.testAcc);
    expect(imported.metrics.testLoss).toBeCloseTo(metrics.testLoss, 6);
    expect(imported.results.samples.labels).toHaveLength(12);
    const stored = await loadCheckpoint('import-a');
    expect(stored?.weightsOnly).toBe(true);
    expect(stored?.checkpoint.optimizer.params).toEqual({});

    // The whole .zip is accepted too.
    const fromZip = await importWeights(importRequest('import-b', bytes), backend);
    expect(fromZip.metrics.testAcc).toBe(metrics.testAcc);
  });

  it("refuses bad files with the reader's message and stores nothing", async () => {
    const { spec } = await savedRun('run-b');
    const { bytes } = await exportRun({
      runId: 'run-b',
      spec,
      recipe,
      dataset: 'cifar10',
      name: 'tiny',
      backend: 'cpu',
    });
    const weights = unzipSync(bytes)['weights.safetensors'];
    const other = writeSafetensors([{ name: 'fc.weight', dtype: 'F32', shape: [2], data: [1, 2] }]);
    const cases: [Uint8Array, RegExp][] = [
      [weights.slice(0, 100), /not a valid safetensors file/],
      [new Uint8Array(64).fill(7), /not a valid safetensors file/],
      [other, /do not fit this network/],
      [bytes.slice(0, 200), /the \.zip cannot be read/],
      [zipSync({ 'README.txt': strToU8('hello') }), /holds no weights\.safetensors/],
    ];
    for (const [i, [file, message]] of cases.entries()) {
      const runId = `bad-${i}`;
      const attempt = importWeights(importRequest(runId, file), backend);
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toBeInstanceOf(SafetensorsError);
      expect(await loadCheckpoint(runId)).toBeUndefined();
    }
    await expect(
      exportRun({ runId: 'nothing', spec, recipe, dataset: 'cifar10', name: 'x', backend: 'cpu' }),
    ).rejects.toThrow(/no saved weights/);
  });

  it("a file without metadata is checked against the page's spec", async () => {
    const { spec } = await savedRun('run-c');
    const { bytes } = await exportRun({
      runId: 'run-c',
      spec,
      recipe,
      dataset: 'cifar10',
      name: 'tiny',
      backend: 'cpu',
    });
    const weights = unzipSync(bytes)['weights.safetensors'];
    // Strip the metadata: rewrite the header without __metadata__.
    const length = Number(new DataView(weights.buffer, weights.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + length)));
    delete header.__metadata__;
    const json = new TextEncoder().encode(JSON.stringify(header).padEnd(Math.ceil(length / 8) * 8));
    const bare = new Uint8Array(8 + json.length + weights.length - 8 - length);
    new DataView(bare.buffer).setBigUint64(0, BigInt(json.length), true);
    bare.set(json, 8);
    bare.set(weights.subarray(8 + length), 8 + json.length);

    await expect(importWeights(importRequest('bare-1', bare, tiny(8)), backend)).rejects.toThrow(
      /do not fit this network/,
    );
    const imported = await importWeights(importRequest('bare-2', bare, spec), backend);
    expect(imported.fromFile).toEqual({ spec: false, recipe: false, dataset: false });
    expect(imported.epoch).toBe(0);
  });

  it('continue training: a weights-only checkpoint starts at its epoch with a fresh optimizer', async () => {
    const { spec } = await savedRun('run-d');
    const { bytes } = await exportRun({
      runId: 'run-d',
      spec,
      recipe,
      dataset: 'cifar10',
      name: 'tiny',
      backend: 'cpu',
    });
    await importWeights(importRequest('import-d', bytes), backend);
    const saved = (await loadCheckpoint('import-d'))!;
    await saveCheckpoint({ ...saved, runId: 'run-e' });
    const events: WorkerEvent[] = [];
    const config = {
      runId: 'run-e',
      spec,
      recipe: { ...recipe, optimizer: { ...presetRecipe('quick')!.optimizer } },
      dataset: 'cifar10' as const,
      backend: 'cpu' as const,
      limitTrain: 0,
      limitTest: 0,
    };
    const stopped = await runTraining(config, true, { paused: false, stopped: false }, (e) =>
      events.push(e),
    );
    expect(stopped).toBe(false);
    // The preflight's memory plan comes first, then where the run resumes.
    expect(events[0]).toMatchObject({ type: 'memory-plan' });
    expect(events[1]).toMatchObject({ type: 'resumed-from', epoch: 1 });
    const progress = events.filter((e) => e.type === 'progress');
    // 16 images in batches of 8: epoch 2 is steps 3 and 4.
    expect(progress.flatMap((e) => e.steps.map((s) => s.step))).toEqual([3, 4]);
    const ends = events.filter((e) => e.type === 'epoch-end');
    expect(ends.map((e) => e.metrics.epoch)).toEqual([2]);
    const after = (await loadCheckpoint('run-e'))!;
    expect(after.weightsOnly).toBeUndefined();
    expect(after.epoch).toBe(2);
    expect(after.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(after.checkpoint.steps).toBe(4);
  });
});
