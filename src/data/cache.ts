// The browser's dataset cache: IndexedDB through idb-keyval, one object store, two kinds of key.
//   manifest/<dataset>  the Manifest, written LAST: a dataset is cached iff its manifest is
//   shard/<sha256>      a shard's bytes, keyed by content
// Content addressing makes every change safe without a second copy of the bookkeeping: a new
// import or download writes its shards beside the old dataset's (equal shards are shared, not
// rewritten), then swaps the manifest in one put, then deletes the shards no manifest names.
// A failure before the swap (quota, bad checksum, a closed tab) leaves the old manifest and all
// its shards untouched; leftovers are unreferenced and collectGarbage() sweeps them.

import {
  createStore,
  del,
  delMany,
  get,
  keys,
  promisifyRequest,
  set,
  type UseStore,
} from 'idb-keyval';
import { DATASETS, DATASET_IDS, type DatasetId } from './cifar';
import { DataError, formatBytes, isQuotaError } from './errors';
import type { ShardSink } from './import';
import {
  allShards,
  parseManifest,
  totalShardBytes,
  type Manifest,
  type ShardInfo,
} from './manifest';

const MANIFEST_KEY = (dataset: DatasetId) => `manifest/${dataset}`;
const SHARD_PREFIX = 'shard/';
const SHARD_KEY = (sha256: string) => `${SHARD_PREFIX}${sha256}`;

export interface CachedDataset {
  dataset: DatasetId;
  title: string;
  manifest: Manifest;
  /** Bytes of its shards (what it costs in storage, give or take IndexedDB's overhead). */
  bytes: number;
  records: { train: number; test: number };
  /** false when shards are missing (evicted or deleted by hand): ensureDataset refills it. */
  complete: boolean;
}

export interface StorageEstimate {
  /** Bytes this origin uses and may use, as the browser reports them (undefined if it won't). */
  usage?: number;
  quota?: number;
  /** Whether the browser promised not to evict this origin's data under storage pressure. */
  persisted?: boolean;
}

/** Collects a new version of one dataset; nothing is visible until commit(). */
export interface CacheWriter extends ShardSink {
  hasShard(sha256: string): Promise<boolean>;
  /** Stores the manifest (the switch-over), then deletes shards that nothing names any more. */
  commit(manifest: Manifest): Promise<void>;
  /** Deletes what this writer stored that no manifest names; the old dataset stays as it was. */
  rollback(): Promise<void>;
}

export class DataCache {
  /** Shards being written by writers of this page, which collectGarbage() must not touch. */
  private readonly inFlight = new Set<Set<string>>();

  constructor(private readonly store: UseStore = createStore('cardinal-data', 'datasets')) {}

  async getManifest(dataset: DatasetId): Promise<Manifest | undefined> {
    const json = await get<unknown>(MANIFEST_KEY(dataset), this.store);
    if (json === undefined) return undefined;
    try {
      return parseManifest(json, `The cached ${DATASETS[dataset].title} manifest`);
    } catch {
      return undefined; // written by an older, incompatible version: treat as not cached
    }
  }

  async listCached(): Promise<CachedDataset[]> {
    const present = new Set(await keys<string>(this.store));
    const list: CachedDataset[] = [];
    for (const dataset of DATASET_IDS) {
      const manifest = await this.getManifest(dataset);
      if (!manifest) continue;
      list.push({
        dataset,
        title: DATASETS[dataset].title,
        manifest,
        bytes: totalShardBytes(manifest),
        records: {
          train: manifest.splits.train.records,
          test: manifest.splits.test.records,
        },
        complete: allShards(manifest).every((s) => present.has(SHARD_KEY(s.sha256))),
      });
    }
    return list;
  }

  async hasShard(sha256: string): Promise<boolean> {
    // getKey, not get: answering "is it there?" must not read 30 MB.
    const key = await this.store('readonly', (s) => promisifyRequest(s.getKey(SHARD_KEY(sha256))));
    return key !== undefined;
  }

  async getShard(shard: ShardInfo): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await get<Uint8Array<ArrayBuffer>>(SHARD_KEY(shard.sha256), this.store);
    if (!(bytes instanceof Uint8Array) || bytes.length !== shard.bytes) {
      throw new DataError(
        'missing-shard',
        `Shard ${shard.file} is missing from the browser's cache (the browser may have evicted ` +
          'it). Load the dataset again: it downloads only what is missing.',
      );
    }
    return bytes;
  }

  beginWrite(): CacheWriter {
    const written = new Set<string>();
    this.inFlight.add(written);
    const done = () => this.inFlight.delete(written);
    return {
      hasShard: (sha256) => this.hasShard(sha256),
      putShard: async (shard, bytes, dataset) => {
        if (written.has(shard.sha256) || (await this.hasShard(shard.sha256))) return;
        written.add(shard.sha256); // before the put: a half-done put is rolled back too
        await this.put(SHARD_KEY(shard.sha256), exactBuffer(bytes), dataset);
      },
      commit: async (manifest) => {
        try {
          await this.put(MANIFEST_KEY(manifest.dataset), manifest, manifest.dataset);
        } finally {
          done();
        }
        await this.collectGarbage();
      },
      rollback: async () => {
        done();
        const referenced = await this.referencedShards();
        const orphans = [...written].filter((sha) => !referenced.has(sha));
        await delMany(orphans.map(SHARD_KEY), this.store).catch(() => {});
      },
    };
  }

  /** Removes a dataset: the manifest first, so a removal cut short leaves only garbage. */
  async removeDataset(dataset: DatasetId): Promise<void> {
    await del(MANIFEST_KEY(dataset), this.store);
    await this.collectGarbage();
  }

  /** Deletes shards that no manifest names (leftovers of failed or interrupted writes). */
  async collectGarbage(): Promise<number> {
    const referenced = await this.referencedShards();
    for (const writing of this.inFlight) for (const sha of writing) referenced.add(sha);
    const orphans = (await keys<string>(this.store)).filter(
      (key) =>
        typeof key === 'string' &&
        key.startsWith(SHARD_PREFIX) &&
        !referenced.has(key.slice(SHARD_PREFIX.length)),
    );
    if (orphans.length > 0) await delMany(orphans, this.store);
    return orphans.length;
  }

  async storageEstimate(): Promise<StorageEstimate> {
    const storage = globalThis.navigator?.storage;
    if (!storage?.estimate) return {};
    const { usage, quota } = await storage.estimate();
    const persisted = storage.persisted ? await storage.persisted() : undefined;
    return { usage, quota, persisted };
  }

  /** Asks the browser not to evict the cache under storage pressure; true if granted. */
  async requestPersistence(): Promise<boolean> {
    const storage = globalThis.navigator?.storage;
    return storage?.persist ? storage.persist() : false;
  }

  private async referencedShards(): Promise<Set<string>> {
    const referenced = new Set<string>();
    for (const dataset of DATASET_IDS) {
      const manifest = await this.getManifest(dataset);
      if (manifest) for (const shard of allShards(manifest)) referenced.add(shard.sha256);
    }
    return referenced;
  }

  private async put(key: string, value: unknown, dataset: DatasetId): Promise<void> {
    try {
      await set(key, value, this.store);
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      const { usage, quota } = await this.storageEstimate().catch(() => ({}) as StorageEstimate);
      const used =
        usage !== undefined && quota !== undefined
          ? ` (this site uses ${formatBytes(usage)} of ${formatBytes(quota)})`
          : '';
      throw new DataError(
        'quota',
        `The browser has no room left to store ${DATASETS[dataset].title}${used}. Remove a ` +
          'cached dataset, free disk space or allow this site more storage, then try again. ' +
          'The cache is as it was before.',
        { cause: error },
      );
    }
  }
}

/**
 * A Uint8Array that owns its whole buffer: IndexedDB clones the entire underlying buffer,
 * so storing a view into a larger one would store (and count against quota) all of it.
 */
function exactBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes as Uint8Array<ArrayBuffer>)
    : bytes.slice();
}
