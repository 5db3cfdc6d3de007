// From cached shards to training batches. A split is three flat typed arrays (pixels as CIFAR
// stores them, uint8 CHW; labels; coarse labels for CIFAR-100); batches are gathered copies
// in a seeded order. Augmentation and normalisation happen on the device, in the engine.

import { createRng, permutation } from '../spec/random';
import { PIXELS_PER_IMAGE, type SplitName } from './cifar';
import { DataError } from './errors';
import { labelPlanes, totalShardBytes, type Manifest, type ShardInfo } from './manifest';
import type { ProgressCallback } from './progress';

export interface DataSplit {
  count: number;
  /** count × 3072 bytes: image k is bytes [k·3072, (k+1)·3072), 1024 R, 1024 G, 1024 B. */
  pixels: Uint8Array;
  /** count (fine) labels. */
  labels: Uint8Array;
  /** CIFAR-100 only: count coarse labels. */
  coarseLabels?: Uint8Array;
}

export interface LoadedDataset {
  manifest: Manifest;
  train: DataSplit;
  test: DataSplit;
}

/**
 * Reads a dataset's shards (from the cache, or files in Node) into one array per plane.
 * Peak memory is the dataset plus one shard. Reading CIFAR-10 from IndexedDB takes about a
 * second, hence the progress callback.
 */
export async function loadDataset(
  manifest: Manifest,
  getShard: (shard: ShardInfo) => Promise<Uint8Array>,
  onProgress?: ProgressCallback,
): Promise<LoadedDataset> {
  const totalBytes = totalShardBytes(manifest);
  let loadedBytes = 0;
  const load = async (split: SplitName): Promise<DataSplit> => {
    const { records, shards } = manifest.splits[split];
    const planes = labelPlanes(manifest.dataset);
    const out: DataSplit = {
      count: records,
      pixels: new Uint8Array(records * PIXELS_PER_IMAGE),
      labels: new Uint8Array(records),
      ...(planes === 2 ? { coarseLabels: new Uint8Array(records) } : {}),
    };
    let start = 0;
    for (const shard of shards) {
      const bytes = await getShard(shard);
      if (bytes.length !== shard.bytes) {
        throw new DataError(
          'missing-shard',
          `Shard ${shard.file} has ${bytes.length} bytes, expected ${shard.bytes}. Remove the ` +
            'dataset and load it again.',
        );
      }
      const n = shard.records;
      const labelsAt = n * PIXELS_PER_IMAGE;
      out.pixels.set(bytes.subarray(0, labelsAt), start * PIXELS_PER_IMAGE);
      out.labels.set(bytes.subarray(labelsAt, labelsAt + n), start);
      out.coarseLabels?.set(bytes.subarray(labelsAt + n, labelsAt + 2 * n), start);
      start += n;
      loadedBytes += shard.bytes;
      onProgress?.({ phase: 'load', loadedBytes, totalBytes, item: shard.file });
    }
    return out;
  };
  return { manifest, train: await load('train'), test: await load('test') };
}

/** Records [from, to) of a split, as views: no copy. */
export function sliceSplit(split: DataSplit, from: number, to: number): DataSplit {
  return {
    count: to - from,
    pixels: split.pixels.subarray(from * PIXELS_PER_IMAGE, to * PIXELS_PER_IMAGE),
    labels: split.labels.subarray(from, to),
    ...(split.coarseLabels ? { coarseLabels: split.coarseLabels.subarray(from, to) } : {}),
  };
}

/**
 * Holds out the last `fraction` of the train split for validation (Recipe.validationSplit):
 * always the same records whatever the seed, so they never leak into training.
 */
export function splitValidation(
  train: DataSplit,
  fraction: number,
): { train: DataSplit; validation: DataSplit } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  }
  const held = Math.round(train.count * fraction);
  const cut = train.count - held;
  return { train: sliceSplit(train, 0, cut), validation: sliceSplit(train, cut, train.count) };
}

export interface Batch {
  /** Images in this batch (batchSize, or fewer for the last batch when dropLast is false). */
  size: number;
  /** size × 3072 bytes, uint8 CHW per image. */
  pixels: Uint8Array;
  labels: Uint8Array;
  coarseLabels?: Uint8Array;
  /** Which records of the split these are. */
  indices: Uint32Array;
  epoch: number;
  /** Position within the epoch, from 0. */
  index: number;
}

export interface BatchSourceOptions {
  batchSize: number;
  seed: number;
  /** Shuffle every epoch (training) or keep the split's order (evaluation). Default true. */
  shuffle?: boolean;
  /** Skip a last, smaller batch. Default false. */
  dropLast?: boolean;
}

export interface BatchSource {
  readonly count: number;
  readonly batchesPerEpoch: number;
  /** The record order of an epoch: a function of (seed, epoch) only, so resumes reproduce it. */
  order(epoch: number): Uint32Array;
  /** Batch `index` of `epoch`. */
  batch(epoch: number, index: number): Batch;
  /** The batches of an epoch, from `startBatch` (to resume mid-epoch). */
  epoch(epoch: number, startBatch?: number): Generator<Batch>;
}

export function createBatchSource(split: DataSplit, options: BatchSourceOptions): BatchSource {
  const { batchSize, seed, shuffle = true, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const count = split.count;
  const batchesPerEpoch = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
  let cached: { epoch: number; order: Uint32Array } | undefined;

  const order = (epoch: number): Uint32Array => {
    if (cached?.epoch === epoch) return cached.order;
    const result = shuffle
      ? permutation(count, createRng(epochSeed(seed, epoch)))
      : Uint32Array.from({ length: count }, (_, i) => i);
    cached = { epoch, order: result };
    return result;
  };

  const batch = (epoch: number, index: number): Batch => {
    if (!(index >= 0 && index < batchesPerEpoch)) {
      throw new RangeError(`batch ${index} out of range (0…${batchesPerEpoch - 1})`);
    }
    const from = index * batchSize;
    const indices = order(epoch).slice(from, Math.min(from + batchSize, count));
    const size = indices.length;
    const pixels = new Uint8Array(size * PIXELS_PER_IMAGE);
    const labels = new Uint8Array(size);
    const coarseLabels = split.coarseLabels ? new Uint8Array(size) : undefined;
    for (let j = 0; j < size; j++) {
      const k = indices[j];
      pixels.set(
        split.pixels.subarray(k * PIXELS_PER_IMAGE, (k + 1) * PIXELS_PER_IMAGE),
        j * PIXELS_PER_IMAGE,
      );
      labels[j] = split.labels[k];
      if (coarseLabels) coarseLabels[j] = split.coarseLabels![k];
    }
    return {
      size,
      pixels,
      labels,
      ...(coarseLabels ? { coarseLabels } : {}),
      indices,
      epoch,
      index,
    };
  };

  return {
    count,
    batchesPerEpoch,
    order,
    batch,
    *epoch(epoch: number, startBatch = 0) {
      for (let i = startBatch; i < batchesPerEpoch; i++) yield batch(epoch, i);
    },
  };
}

/**
 * A well-mixed 32-bit seed for (seed, epoch) — murmur3's finaliser, not a generator — so
 * that neighbouring seeds and epochs give unrelated shuffles from createRng.
 */
export function epochSeed(seed: number, epoch: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
