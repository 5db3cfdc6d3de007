// The data layer's public API: what the worker, the store and the scripts use.
//
//   const cache = new DataCache();
//   const manifest = await ensureDataset('cifar10', { cache, baseUrl, onProgress });  // or
//   const manifest = await importFileToCache(droppedFile, { cache, onProgress });
//   const data = await loadDataset(manifest, (shard) => cache.getShard(shard));
//   const { train, validation } = splitValidation(data.train, recipe.validationSplit);
//   const source = createBatchSource(train, { batchSize, seed: recipe.seed });
//   for (const batch of source.epoch(k)) …  // batch.pixels (uint8 CHW), batch.labels

export { DATASETS, DATASET_IDS, IMAGE_SHAPE, PIXELS_PER_IMAGE, isDatasetId } from './cifar';
export type { DatasetId, DatasetInfo, SplitName } from './cifar';
export { DataError, isDataError, formatBytes } from './errors';
export type { DataErrorCode } from './errors';
export type { DataProgress, ProgressCallback } from './progress';
export {
  SHARD_LAYOUT,
  MANIFEST_VERSION,
  parseManifest,
  totalShardBytes,
  allShards,
} from './manifest';
export type { Manifest, ShardInfo, SplitInfo } from './manifest';
export { importArchive } from './import';
export type { ImportOptions, ShardSink } from './import';
export { DataCache } from './cache';
export type { CachedDataset, CacheWriter, StorageEstimate } from './cache';
export { ensureDataset, importFileToCache } from './download';
export type { EnsureDatasetOptions, ImportFileOptions } from './download';
export { loadDataset, splitValidation, sliceSplit, createBatchSource, epochSeed } from './batches';
export type { Batch, BatchSource, BatchSourceOptions, DataSplit, LoadedDataset } from './batches';
