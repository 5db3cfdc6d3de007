// manifest.json: what an import produced. Node writes it beside the shard files under
// public/data/<dataset>/; the browser keeps the same object in IndexedDB. It is always written
// last, so a dataset without a manifest is a half-written one and is never used.

import { DATASETS, PIXELS_PER_IMAGE, isDatasetId, type DatasetId, type SplitName } from './cifar';
import { DataError } from './errors';

export const MANIFEST_VERSION = 1;

/**
 * The shard layout. A shard holds N whole records (N ≤ recordsPerShard, 10,000 by default)
 * of one split, cut from one source file, as three planes so that the training side can take
 * typed-array views without re-packing:
 *   bytes [0, N·3072)            pixels, image after image, each as CIFAR stores it:
 *                                1024 R, 1024 G, 1024 B, each 32×32 row-major (CHW, uint8)
 *   bytes [N·3072, N·3073)       the (fine) label of each image, uint8
 *   bytes [N·3073, N·3074)       CIFAR-100 only: the coarse label of each image, uint8
 * A shard's size is therefore N × (3072 + labelPlanes) bytes.
 */
export const SHARD_LAYOUT = 'cifar-planar-v1';

export interface ShardInfo {
  /** File name under public/data/<dataset>/ (and the name shown in messages). */
  file: string;
  records: number;
  bytes: number;
  /** SHA-256 of the shard's bytes, lower-case hex; also its key in the browser cache. */
  sha256: string;
  /** The archive member it was cut from, e.g. "cifar-10-batches-bin/data_batch_1.bin". */
  source: string;
}

export interface SplitInfo {
  records: number;
  /** In record order: the split's records are these shards' records, one after the other. */
  shards: ShardInfo[];
}

export interface Manifest {
  version: typeof MANIFEST_VERSION;
  dataset: DatasetId;
  layout: typeof SHARD_LAYOUT;
  /** [channels, height, width] of every image. */
  imageShape: [number, number, number];
  labelNames: string[];
  /** CIFAR-100 only: the 20 superclass names. */
  coarseLabelNames?: string[];
  splits: Record<SplitName, SplitInfo>;
  /** Per-channel (R, G, B) mean and population std of the train split's pixels / 255. */
  mean: [number, number, number];
  std: [number, number, number];
  /** The archive it was imported from. */
  source: { fileName: string; bytes: number; sha256: string };
  /** ISO 8601 time of the import. */
  createdAt: string;
}

/** Label planes of a shard: fine labels, plus coarse ones for CIFAR-100. */
export function labelPlanes(dataset: DatasetId): number {
  return DATASETS[dataset].coarseClasses > 0 ? 2 : 1;
}

export function shardBytes(dataset: DatasetId, records: number): number {
  return records * (PIXELS_PER_IMAGE + labelPlanes(dataset));
}

export function allShards(manifest: Manifest): ShardInfo[] {
  return [...manifest.splits.train.shards, ...manifest.splits.test.shards];
}

export function totalShardBytes(manifest: Manifest): number {
  return allShards(manifest).reduce((sum, shard) => sum + shard.bytes, 0);
}

/**
 * Checks that JSON read from a server or from IndexedDB is a manifest this code can use, and
 * that its numbers agree with each other, so a bad file fails here with a clear message rather
 * than as a garbled batch later.
 */
export function parseManifest(json: unknown, where: string): Manifest {
  const fail = (what: string): never => {
    throw new DataError(
      'bad-manifest',
      `${where} is not a usable dataset manifest (${what}). Re-create it with ` +
        '`npm run data -- import <archive.tar.gz>`, or import the archive in the page.',
    );
  };
  if (typeof json !== 'object' || json === null) return fail('not a JSON object');
  const m = json as Partial<Manifest>;
  if (m.version !== MANIFEST_VERSION) return fail(`version ${String(m.version)}, expected 1`);
  if (!isDatasetId(m.dataset)) return fail(`unknown dataset ${JSON.stringify(m.dataset)}`);
  if (m.layout !== SHARD_LAYOUT) return fail(`unknown shard layout ${JSON.stringify(m.layout)}`);
  const info = DATASETS[m.dataset];
  if (!isStringArray(m.labelNames) || m.labelNames.length !== info.classes) {
    return fail(`labelNames must be ${info.classes} strings`);
  }
  if (info.coarseClasses > 0) {
    if (!isStringArray(m.coarseLabelNames) || m.coarseLabelNames.length !== info.coarseClasses) {
      return fail(`coarseLabelNames must be ${info.coarseClasses} strings`);
    }
  }
  if (!isNumberArray(m.mean, 3) || !isNumberArray(m.std, 3)) return fail('mean/std malformed');
  if (typeof m.source !== 'object' || m.source === null) return fail('source missing');
  const seen = new Set<string>();
  for (const split of ['train', 'test'] as const) {
    const s = m.splits?.[split];
    if (!s || !Array.isArray(s.shards) || !Number.isInteger(s.records)) {
      return fail(`split ${split} missing`);
    }
    let records = 0;
    for (const shard of s.shards) {
      if (
        typeof shard?.file !== 'string' ||
        !/^[\w.-]+$/.test(shard.file) ||
        seen.has(shard.file) ||
        typeof shard.sha256 !== 'string' ||
        !/^[0-9a-f]{64}$/.test(shard.sha256) ||
        !Number.isInteger(shard.records) ||
        shard.records <= 0 ||
        shard.bytes !== shardBytes(m.dataset, shard.records)
      ) {
        return fail(`shard entry ${JSON.stringify(shard?.file)} of ${split} malformed`);
      }
      seen.add(shard.file);
      records += shard.records;
    }
    if (records !== s.records) return fail(`${split} records do not add up`);
  }
  return m as Manifest;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isNumberArray(value: unknown, length: number): boolean {
  return (
    Array.isArray(value) &&
    value.length === length &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}
