import { beforeAll, describe, expect, it } from 'vitest';
import {
  createBatchSource,
  epochSeed,
  loadDataset,
  splitValidation,
  type LoadedDataset,
} from './batches';
import { importArchive } from './import';
import { buildSyntheticArchive, streamOf } from './synthetic';

let cifar10: LoadedDataset;
let cifar100: LoadedDataset;
let raw10: Record<string, Uint8Array>;
let raw100: Record<string, Uint8Array>;

async function load(dataset: 'cifar10' | 'cifar100') {
  const { archive, files } = await buildSyntheticArchive({
    dataset,
    trainFiles: 3,
    trainRecords: 11,
    testRecords: 6,
    reverse: true,
  });
  const shards = new Map<string, Uint8Array>();
  const manifest = await importArchive(streamOf(archive), {
    fileName: 'a.tar.gz',
    recordsPerShard: 4,
    sink: { putShard: async (shard, bytes) => void shards.set(shard.file, bytes) },
  });
  const progress: number[] = [];
  const data = await loadDataset(
    manifest,
    async (s) => shards.get(s.file)!,
    (p) => progress.push(p.loadedBytes),
  );
  expect(progress.at(-1)).toBe(
    data.train.pixels.length +
      data.test.pixels.length +
      (dataset === 'cifar10' ? 1 : 2) * (data.train.count + data.test.count),
  );
  return { data, files };
}

beforeAll(async () => {
  ({ data: cifar10, files: raw10 } = await load('cifar10'));
  ({ data: cifar100, files: raw100 } = await load('cifar100'));
});

/** Record k of the concatenated official files: [labels…, pixels]. */
function record(files: Uint8Array[], recordBytes: number, k: number): Uint8Array {
  for (const f of files) {
    const n = f.length / recordBytes;
    if (k < n) return f.subarray(k * recordBytes, (k + 1) * recordBytes);
    k -= n;
  }
  throw new Error('out of range');
}

describe('loadDataset', () => {
  it('reassembles CIFAR-10 in the official record order', () => {
    const files = [1, 2, 3].map((k) => raw10[`data_batch_${k}.bin`]);
    expect(cifar10.train.count).toBe(33);
    expect(cifar10.test.count).toBe(6);
    expect(cifar10.train.coarseLabels).toBeUndefined();
    for (const k of [0, 3, 4, 10, 11, 21, 32]) {
      const r = record(files, 3073, k);
      expect(cifar10.train.labels[k]).toBe(r[0]);
      expect(cifar10.train.pixels.subarray(k * 3072, (k + 1) * 3072)).toEqual(r.subarray(1));
    }
  });

  it('keeps CIFAR-100 coarse labels beside the fine ones', () => {
    expect(cifar100.train.count).toBe(11);
    for (let k = 0; k < 11; k++) {
      const r = record([raw100['train.bin']], 3074, k);
      expect(cifar100.train.coarseLabels![k]).toBe(r[0]);
      expect(cifar100.train.labels[k]).toBe(r[1]);
      expect(cifar100.train.pixels.subarray(k * 3072, (k + 1) * 3072)).toEqual(r.subarray(2));
    }
  });
});

describe('splitValidation', () => {
  it('holds out the last N% as views', () => {
    const { train, validation } = splitValidation(cifar10.train, 0.1);
    expect(validation.count).toBe(3);
    expect(train.count).toBe(30);
    expect(validation.labels).toEqual(cifar10.train.labels.subarray(30));
    expect(validation.pixels.length).toBe(3 * 3072);
    expect(validation.pixels[0]).toBe(cifar10.train.pixels[30 * 3072]);
    expect(validation.pixels.buffer).toBe(cifar10.train.pixels.buffer); // no copy
    expect(splitValidation(cifar10.train, 0).validation.count).toBe(0);
    expect(() => splitValidation(cifar10.train, 1)).toThrow(RangeError);
    const hundred = splitValidation(cifar100.train, 0.2);
    expect(hundred.validation.coarseLabels).toEqual(cifar100.train.coarseLabels!.subarray(9));
  });
});

describe('createBatchSource', () => {
  const split = () => cifar10.train;

  it('gives each record once per epoch, in batches of typed arrays', () => {
    const source = createBatchSource(split(), { batchSize: 8, seed: 42 });
    expect(source.batchesPerEpoch).toBe(5);
    const batches = [...source.epoch(0)];
    expect(batches.map((b) => b.size)).toEqual([8, 8, 8, 8, 1]);
    const seen = batches.flatMap((b) => [...b.indices]).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 33 }, (_, i) => i));
    const b = batches[1];
    expect(b.pixels).toBeInstanceOf(Uint8Array);
    expect(b.pixels.length).toBe(8 * 3072);
    for (let j = 0; j < b.size; j++) {
      const k = b.indices[j];
      expect(b.labels[j]).toBe(split().labels[k]);
      expect(b.pixels.subarray(j * 3072, (j + 1) * 3072)).toEqual(
        split().pixels.subarray(k * 3072, (k + 1) * 3072),
      );
    }
  });

  it('is seeded: same seed and epoch → same order; a new epoch or seed → another', () => {
    const a = createBatchSource(split(), { batchSize: 8, seed: 7 });
    const b = createBatchSource(split(), { batchSize: 8, seed: 7 });
    // b jumps straight to epoch 3, as a resumed run would.
    expect(b.order(3)).toEqual(a.order(3));
    expect(a.order(0)).not.toEqual(a.order(1));
    expect(createBatchSource(split(), { batchSize: 8, seed: 8 }).order(0)).not.toEqual(a.order(0));
    expect([...a.order(0)]).not.toEqual(Array.from({ length: 33 }, (_, i) => i));
    expect(epochSeed(7, 0)).not.toBe(epochSeed(7, 1));
  });

  it('resumes mid-epoch with the same batches', () => {
    const source = createBatchSource(split(), { batchSize: 5, seed: 3 });
    const whole = [...source.epoch(2)];
    const tail = [...createBatchSource(split(), { batchSize: 5, seed: 3 }).epoch(2, 4)];
    expect(tail.map((b) => [...b.indices])).toEqual(whole.slice(4).map((b) => [...b.indices]));
    expect(tail[0].index).toBe(4);
    expect(tail[0].epoch).toBe(2);
  });

  it('keeps the split order without shuffle, and drops the last batch when asked', () => {
    const source = createBatchSource(split(), {
      batchSize: 8,
      seed: 1,
      shuffle: false,
      dropLast: true,
    });
    expect(source.batchesPerEpoch).toBe(4);
    const batches = [...source.epoch(5)];
    expect(batches.map((b) => b.size)).toEqual([8, 8, 8, 8]);
    expect([...batches[1].indices]).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(batches[0].labels).toEqual(split().labels.subarray(0, 8));
  });

  it('gathers coarse labels for CIFAR-100', () => {
    const batch = createBatchSource(cifar100.train, { batchSize: 4, seed: 1 }).batch(0, 0);
    for (let j = 0; j < 4; j++) {
      expect(batch.coarseLabels![j]).toBe(cifar100.train.coarseLabels![batch.indices[j]]);
    }
  });

  it('rejects nonsense', () => {
    expect(() => createBatchSource(split(), { batchSize: 0, seed: 1 })).toThrow(RangeError);
    expect(() => createBatchSource(split(), { batchSize: 4, seed: 1 }).batch(0, 99)).toThrow(
      RangeError,
    );
  });
});
