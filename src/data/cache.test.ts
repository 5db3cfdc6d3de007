import 'fake-indexeddb/auto';
import { createStore, entries, keys, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { DataCache } from './cache';
import { loadDataset } from './batches';
import { importFileToCache } from './download';
import { DataError } from './errors';
import { allShards, totalShardBytes } from './manifest';
import { buildSyntheticArchive, toPlanar } from './synthetic';

let dbCount = 0;
const freshStore = () => createStore(`cache-test-${++dbCount}`, 'datasets');

/** A store whose puts fail with the browser's quota error once `allowedPuts` have succeeded. */
function quotaStore(inner: UseStore, allowedPuts: number): UseStore {
  let puts = 0;
  return (mode, callback) =>
    inner(mode, (store) => {
      const put = store.put.bind(store);
      store.put = (value: unknown, key?: IDBValidKey) => {
        if (++puts > allowedPuts) throw new DOMException('Quota exceeded', 'QuotaExceededError');
        return put(value, key);
      };
      return callback(store);
    });
}

async function archiveFile(seed: number, dataset: 'cifar10' | 'cifar100' = 'cifar10') {
  const { archive, files } = await buildSyntheticArchive({ dataset, seed, trainRecords: 9 });
  return { file: new File([archive], `synthetic-${seed}.tar.gz`), files };
}

async function snapshot(store: UseStore) {
  const all = await entries<string, unknown>(store);
  return new Map(all.map(([k, v]) => [k, v instanceof Uint8Array ? v.length : JSON.stringify(v)]));
}

describe('DataCache', () => {
  it('imports a dropped file: shards by content, manifest last, listed with sizes', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    const { file, files } = await archiveFile(1);
    const progress: number[] = [];
    const manifest = await importFileToCache(file, {
      cache,
      recordsPerShard: 4,
      onProgress: (p) => progress.push(p.loadedBytes),
    });
    expect(progress.at(-1)).toBe(file.size);
    const listed = await cache.listCached();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      dataset: 'cifar10',
      title: 'CIFAR-10',
      bytes: totalShardBytes(manifest),
      records: { train: 18, test: 5 },
      complete: true,
    });
    const keyList = (await keys<string>(store)).sort();
    expect(keyList).toEqual(
      ['manifest/cifar10', ...allShards(manifest).map((s) => `shard/${s.sha256}`)].sort(),
    );
    const shard = manifest.splits.train.shards[0];
    const bytes = await cache.getShard(shard);
    expect(bytes.buffer.byteLength).toBe(shard.bytes); // stored without a larger backing buffer
    expect(await cache.hasShard(shard.sha256)).toBe(true);
    const data = await loadDataset(manifest, (s) => cache.getShard(s));
    expect(data.test.pixels).toEqual(
      toPlanar('cifar10', files['test_batch.bin']).subarray(0, 5 * 3072),
    );
  });

  it('re-import replaces the dataset and drops shards nothing names any more', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    const first = await importFileToCache((await archiveFile(1)).file, { cache });
    await importFileToCache((await archiveFile(1, 'cifar100')).file, { cache });
    const second = await importFileToCache((await archiveFile(100)).file, { cache });
    expect((await cache.getManifest('cifar10'))?.source.fileName).toBe(second.source.fileName);
    const present = new Set(await keys<string>(store));
    for (const s of allShards(first)) expect(present.has(`shard/${s.sha256}`)).toBe(false);
    for (const s of allShards(second)) expect(present.has(`shard/${s.sha256}`)).toBe(true);
    expect((await cache.listCached()).map((c) => c.dataset)).toEqual(['cifar10', 'cifar100']);
  });

  it('shards equal in both versions are shared, not written twice or deleted', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    // Seed 1 makes data_batch_1, data_batch_2 from seeds 1, 2 and seed 2 from seeds 2, 3:
    // the first one's data_batch_2 is the second one's data_batch_1.
    const first = await importFileToCache((await archiveFile(1)).file, { cache });
    const second = await importFileToCache((await archiveFile(2)).file, { cache });
    const shared = allShards(first).filter((a) =>
      allShards(second).some((b) => a.sha256 === b.sha256),
    );
    expect(shared).toHaveLength(1);
    expect((await keys<string>(store)).sort()).toEqual(
      ['manifest/cifar10', ...allShards(second).map((s) => `shard/${s.sha256}`)].sort(),
    );
  });

  it('removeDataset deletes the manifest first, then only its own shards', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    await importFileToCache((await archiveFile(1)).file, { cache });
    const other = await importFileToCache((await archiveFile(3, 'cifar100')).file, { cache });
    await cache.removeDataset('cifar10');
    expect((await cache.listCached()).map((c) => c.dataset)).toEqual(['cifar100']);
    expect((await keys<string>(store)).sort()).toEqual(
      ['manifest/cifar100', ...allShards(other).map((s) => `shard/${s.sha256}`)].sort(),
    );
  });

  it('a dataset whose manifest is gone is not used, and its shards are garbage', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    const manifest = await importFileToCache((await archiveFile(1)).file, { cache });
    // As if a removal stopped right after deleting the manifest.
    const { del } = await import('idb-keyval');
    await del('manifest/cifar10', store);
    expect(await cache.listCached()).toEqual([]);
    expect(await cache.getManifest('cifar10')).toBeUndefined();
    expect(await cache.collectGarbage()).toBe(allShards(manifest).length);
    expect(await keys(store)).toEqual([]);
  });

  it('reports missing shards as incomplete, and getShard says what to do', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    const manifest = await importFileToCache((await archiveFile(1)).file, { cache });
    const { del } = await import('idb-keyval');
    const lost = manifest.splits.test.shards[0];
    await del(`shard/${lost.sha256}`, store);
    expect((await cache.listCached())[0].complete).toBe(false);
    const error = await cache.getShard(lost).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('missing-shard');
    expect((error as DataError).message).toMatch(/Load the dataset again/);
  });

  it('ignores a manifest of another version', async () => {
    const store = freshStore();
    const { set } = await import('idb-keyval');
    await set('manifest/cifar10', { version: 99, dataset: 'cifar10' }, store);
    expect(await new DataCache(store).listCached()).toEqual([]);
  });

  it('storage quota exceeded: a DataError that says what to do, and the cache as before', async () => {
    const inner = freshStore();
    const setup = new DataCache(inner);
    await importFileToCache((await archiveFile(1)).file, { cache: setup });
    const before = await snapshot(inner);
    const cache = new DataCache(quotaStore(inner, 2)); // the third put fails
    const error = await importFileToCache((await archiveFile(2)).file, {
      cache,
      recordsPerShard: 4,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('quota');
    expect((error as DataError).message).toMatch(/no room left to store CIFAR-10.*Remove a cached/);
    expect((error as DataError).message).toMatch(/as it was before/);
    expect(await snapshot(inner)).toEqual(before);
  });

  it('storage quota exceeded on the manifest itself also rolls back', async () => {
    const inner = freshStore();
    const { file } = await archiveFile(1);
    const shardCount = 4; // 2 train files + 1 test file, 9/9/5 records, 10,000 per shard → 3
    const cache = new DataCache(quotaStore(inner, shardCount - 1));
    const error = await importFileToCache(file, { cache }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('quota');
    expect(await keys(inner)).toEqual([]);
  });

  it('a failed import (bad archive) leaves the previous dataset untouched', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    await importFileToCache((await archiveFile(1)).file, { cache, recordsPerShard: 4 });
    const before = await snapshot(store);
    const { archive } = await buildSyntheticArchive({
      dataset: 'cifar10',
      seed: 5,
      badLabel: { file: 'test_batch.bin', record: 3, value: 200 },
    });
    const error = await importFileToCache(new File([archive], 'bad.tar.gz'), {
      cache,
      recordsPerShard: 4,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('label-range');
    expect(await snapshot(store)).toEqual(before);
  });

  it('storageEstimate answers even where the browser API is missing', async () => {
    const estimate = await new DataCache(freshStore()).storageEstimate();
    expect(typeof estimate).toBe('object');
  });
});
