// The worker's side of "Export for PyTorch" and "Import weights". Export rebuilds the network
// from a run's last checkpoint (IndexedDB) and writes the bundle (.zip: safetensors, model.py,
// train.py, …). Import checks a .safetensors file completely before it builds anything,
// evaluates it on the cached test split and stores it as a weights-only checkpoint, from which
// "Continue training" starts a normal run (run.ts gives it a fresh optimizer).
import { unzipSync } from 'fflate';
import { version as cardinalVersion } from '../../package.json';
import { DATASETS } from '../data/cifar';
import {
  bundleFileName,
  exportModelBundle,
  importSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  statsFor,
  type ExportMeta,
} from '../engine/export';
import { createTrainer } from '../engine/train';
import { saveCheckpoint } from './checkpoints';
import type { EpochMetrics, ExportRequest, ImportedWeights, ImportRequest } from './protocol';
import { epochResults, evaluate, loadCachedDataset } from './run';
import { modelFromCheckpoint, requireCheckpoint } from './savedModel';

export { cardinalVersion };

/** The bundle of a run's last checkpoint. */
export async function exportRun(
  request: ExportRequest,
): Promise<{ fileName: string; bytes: Uint8Array; epoch: number }> {
  const { runId, spec, recipe, dataset, name } = request;
  const saved = await requireCheckpoint(runId, 'export after the first one');
  const model = modelFromCheckpoint(spec, saved, recipe.seed);
  try {
    // The accuracy of the epoch whose weights these are (a run's history can run ahead of its
    // checkpoint by a moment at an epoch's end).
    const measured = saved.history.find((h) => h.epoch === saved.epoch);
    const meta: ExportMeta = {
      dataset,
      recipe,
      epoch: saved.epoch,
      metrics:
        measured && Number.isFinite(measured.testAcc)
          ? {
              accuracy: measured.testAcc,
              split: 'test',
              ...(measured.testImages !== undefined && measured.testSplitImages !== undefined
                ? { images: measured.testImages, splitImages: measured.testSplitImages }
                : {}),
            }
          : null,
      cardinalVersion,
    };
    const history = saved.history.filter((h) => h.epoch <= saved.epoch);
    const bytes = await exportModelBundle(model, meta, history, name);
    return { fileName: bundleFileName(name, meta), bytes, epoch: saved.epoch };
  } finally {
    model.dispose();
  }
}

/** Real bundles are far below this; a zip entry claiming more is refused before inflating. */
const MAX_WEIGHTS_BYTES = 1024 * 1024 * 1024;
const isZip = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** A Cardinal export .zip's weights.safetensors; the bytes as they are for anything else. */
function weightsOf(bytes: Uint8Array): Uint8Array {
  if (!isZip(bytes)) return bytes;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) =>
        (f.name === 'weights.safetensors' || f.name.endsWith('/weights.safetensors')) &&
        f.originalSize <= MAX_WEIGHTS_BYTES,
    });
  } catch (error) {
    throw new SafetensorsError(`the .zip cannot be read: ${(error as Error).message}`);
  }
  const [weights] = Object.values(files);
  if (!weights) {
    throw new SafetensorsError(
      'the .zip holds no weights.safetensors: choose a Cardinal export or a .safetensors file',
    );
  }
  return weights;
}

/**
 * Checks, evaluates and stores imported weights. Throws (SafetensorsError, or a DataError
 * when the dataset is not cached) before it stores anything.
 */
export async function importWeights(
  request: ImportRequest,
  backend: { backend: ImportedWeights['backend']; adapter: string },
): Promise<ImportedWeights> {
  const bytes = weightsOf(request.bytes);
  // The fallback spec only where the file carries none: a file whose own spec is broken is
  // refused with the reader's message rather than read as another network.
  const { metadata } = readSafetensorsHeader(bytes);
  const hasSpec = Object.hasOwn(metadata, 'spec');
  const imported = importSafetensors(bytes, {
    spec: hasSpec ? undefined : request.spec,
    inputSize: 32,
  });
  const { spec, meta } = imported;
  const dataset = meta.dataset ?? request.dataset;
  const recipe = meta.recipe ?? request.recipe;
  let trainer: ReturnType<typeof createTrainer>;
  try {
    const classes = DATASETS[dataset].classes;
    if (spec.classes !== classes) {
      throw new SafetensorsError(
        `the network has ${spec.classes} outputs but ${DATASETS[dataset].title} has ${classes} ` +
          `classes: choose ${spec.classes === 100 ? 'CIFAR-100' : 'CIFAR-10'} in the Data panel`,
      );
    }
    // A trainer as a fresh run of this recipe would have, holding the file's weights: its
    // checkpoint is what "Continue training" starts from.
    trainer = createTrainer({
      spec,
      recipe,
      stats: meta.stats ?? statsFor(dataset),
      stepsPerEpoch: 1,
    });
    for (const [map, from] of [
      [trainer.model.params, imported.model.params],
      [trainer.model.buffers, imported.model.buffers],
    ] as const) {
      for (const [name, variable] of map) variable.assign(from.get(name)!);
    }
  } finally {
    imported.model.dispose();
  }
  try {
    const data = await loadCachedDataset(dataset, 'import the weights again');
    const started = performance.now();
    const test = await evaluate(trainer, data.test);
    const epoch = meta.epoch ?? 0;
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: NaN,
      trainAcc: NaN,
      testLoss: test.loss,
      testAcc: test.accuracy,
      testImages: data.test.count,
      testSplitImages: data.test.count,
      perClassAcc: test.perClass,
      seconds: (performance.now() - started) / 1000,
    };
    await saveCheckpoint({
      runId: request.runId,
      epoch,
      checkpoint: await trainer.checkpoint(),
      history: [metrics],
      weightsOnly: true,
    });
    return {
      fileName: request.fileName,
      spec,
      recipe,
      dataset,
      epoch,
      fromFile: {
        spec: hasSpec,
        recipe: meta.recipe !== undefined,
        dataset: meta.dataset !== undefined,
      },
      cardinalVersion: meta.cardinalVersion ?? null,
      metrics,
      results: epochResults(epoch, data.test, test),
      ...backend,
    };
  } finally {
    trainer.dispose();
  }
}
