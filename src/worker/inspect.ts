// The worker's side of the inside views. The run training right now is looked at live, between
// two of its steps: the look waits for the step under way, then runs one forward of one image,
// so training never waits longer than that. Any other run is rebuilt from its checkpoint.
import * as tf from '@tensorflow/tfjs';
import type { DataSplit } from '../data/batches';
import { DataCache } from '../data/cache';
import type { DatasetId } from '../data/cifar';
import { normalize, toTensor } from '../engine/augment';
import { statsFor } from '../engine/export';
import { inspectModel, type InsideView } from '../engine/inspect';
import type { InspectRequest, WorkerEvent } from './protocol';
import { loadCachedDataset, type LiveModel } from './run';
import { modelFromCheckpoint, requireCheckpoint } from './savedModel';

type InspectReady = Extract<WorkerEvent, { type: 'inspect-ready' }>;

/**
 * The last test split read, so that clicking through images does not read the whole dataset
 * from IndexedDB each time (CIFAR-10's is 180 MB). Keyed by the import's time: a dataset
 * imported again may hold other images.
 */
let testSplit: { key: string; split: Promise<DataSplit> } | null = null;

async function cachedTestSplit(dataset: DatasetId): Promise<DataSplit> {
  const manifest = await new DataCache().getManifest(dataset);
  const key = `${dataset} ${manifest?.createdAt}`;
  if (!manifest || testSplit?.key !== key) {
    const split = loadCachedDataset(dataset, 'look inside again').then((data) => data.test);
    testSplit = { key, split };
    split.catch(() => (testSplit = null));
  }
  return testSplit!.split;
}

/**
 * The inside views of `request.runId` for one test image. `live` says which run trains now
 * (read again after every wait: the run may end meanwhile); `prepare` readies the backend for
 * a run rebuilt from its checkpoint.
 */
export async function inspectRun(
  request: InspectRequest,
  live: () => LiveModel | undefined,
  prepare: () => Promise<unknown>,
): Promise<InspectReady> {
  const { runId, imageIndex, dataset } = request;
  const test = await cachedTestSplit(dataset);
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex >= test.count) {
    throw new Error(`the test split has ${test.count} images; there is no image ${imageIndex}`);
  }
  const pixels = test.pixels.subarray(imageIndex * 3072, (imageIndex + 1) * 3072);
  const label = test.labels[imageIndex];
  const stats = statsFor(dataset);
  const image = () => tf.tidy(() => normalize(toTensor(pixels, 1), stats.mean, stats.std));
  const answer = (epoch: number, isLive: boolean, view: InsideView): InspectReady => ({
    type: 'inspect-ready',
    runId,
    epoch,
    live: isLive,
    imageIndex,
    label,
    view,
  });

  // Wait out the step under way; its end clears `stepping` before this loop looks again.
  while (live()?.runId === runId && live()?.stepping) await live()?.stepping?.catch(() => {});
  const running = live();
  if (running?.runId === runId) {
    // From here to inspectModel's first await nothing yields: the whole forward runs between
    // two steps, on the weights of the last one.
    const x = image();
    const epochs = running.epochs();
    try {
      return answer(epochs, true, await inspectModel(running.model, x));
    } finally {
      x.dispose();
    }
  }

  const saved = await requireCheckpoint(runId, 'wait for its first epoch to end');
  await prepare();
  const model = modelFromCheckpoint(request.spec, saved);
  const x = image();
  try {
    return answer(saved.epoch, false, await inspectModel(model, x));
  } finally {
    x.dispose();
    model.dispose();
  }
}

/** The view's byte arrays, handed to the page rather than copied. */
export function inspectTransfers(view: InsideView): Transferable[] {
  return [view.filters.rgb.buffer, ...view.featureMaps.map((f) => f.maps.buffer)];
}
