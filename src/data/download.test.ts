import 'fake-indexeddb/auto';
import { createStore, entries, keys, type UseStore } from 'idb-keyval';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataCache } from './cache';
import { ensureDataset } from './download';
import { DataError } from './errors';
import type { DataProgress } from './progress';
import { importArchive } from './import';
import { allShards, totalShardBytes, type Manifest } from './manifest';
import { buildSyntheticArchive, streamOf } from './synthetic';

/** What `npm run data -- import` would have put under public/data/cifar10/. */
let served: { manifest: Manifest; files: Map<string, Uint8Array> };

beforeAll(async () => {
  const { archive } = await buildSyntheticArchive({ dataset: 'cifar10', trainRecords: 9 });
  const files = new Map<string, Uint8Array>();
  const manifest = await importArchive(streamOf(archive), {
    fileName: 'cifar-10-binary.tar.gz',
    recordsPerShard: 4,
    sink: { putShard: async (shard, bytes) => void files.set(shard.file, bytes) },
  });
  served = { manifest, files };
});

/** A fetch over a map of paths under /data/cifar10/, recording what was asked for. */
function fakeServer(overrides: Record<string, Uint8Array | string | null> = {}) {
  const requests: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    const url = String(input);
    requests.push(url);
    const name = url.slice('/data/cifar10/'.length);
    const override = overrides[name];
    if (override === null) return new Response('not found', { status: 404 });
    if (override !== undefined) return new Response(override as BodyInit);
    if (name === 'manifest.json') return new Response(JSON.stringify(served.manifest));
    const bytes = served.files.get(name);
    if (!bytes) return new Response('not found', { status: 404 });
    // Small chunks, as a network delivers them.
    return new Response(streamOf(bytes, 5000) as ReadableStream<Uint8Array<ArrayBuffer>>);
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

let dbCount = 0;
const freshStore = () => createStore(`download-test-${++dbCount}`, 'datasets');

async function snapshot(store: UseStore) {
  return (await entries<string, unknown>(store)).map(([k]) => k).sort();
}

describe('ensureDataset', () => {
  it('downloads every shard with byte-accurate progress, then needs no network at all', async () => {
    const cache = new DataCache(freshStore());
    const server = fakeServer();
    const progress: { loadedBytes: number; totalBytes?: number }[] = [];
    const manifest = await ensureDataset('cifar10', {
      cache,
      baseUrl: '/data/',
      fetch: server.fetch,
      onProgress: (p) => progress.push(p),
    });
    expect(manifest).toEqual(served.manifest);
    const total = totalShardBytes(served.manifest);
    expect(progress[0]).toEqual({ phase: 'download', loadedBytes: 0, totalBytes: total });
    expect(progress.at(-1)?.loadedBytes).toBe(total);
    expect(progress.every((p, i) => i === 0 || p.loadedBytes >= progress[i - 1].loadedBytes)).toBe(
      true,
    );
    expect(progress.length).toBeGreaterThan(allShards(manifest).length); // per chunk, not per shard
    expect(server.requests).toHaveLength(1 + allShards(manifest).length);

    const again = fakeServer();
    expect(await ensureDataset('cifar10', { cache, baseUrl: '/data', fetch: again.fetch })).toEqual(
      manifest,
    );
    expect(again.requests).toEqual([]); // a reload: everything from IndexedDB
  });

  it('downloads only the shards the cache lacks', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    await ensureDataset('cifar10', { cache, baseUrl: '/data', fetch: fakeServer().fetch });
    const lost = served.manifest.splits.train.shards[1];
    const { del } = await import('idb-keyval');
    await del(`shard/${lost.sha256}`, store);
    const server = fakeServer();
    let total = -1;
    await ensureDataset('cifar10', {
      cache,
      baseUrl: '/data',
      fetch: server.fetch,
      onProgress: (p) => (total = p.totalBytes ?? -1),
    });
    expect(server.requests).toEqual(['/data/cifar10/manifest.json', `/data/cifar10/${lost.file}`]);
    expect(total).toBe(lost.bytes);
    expect((await cache.listCached())[0].complete).toBe(true);
  });

  it('a shard whose SHA-256 does not match: checksum error, cache as before', async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    const victim = served.manifest.splits.train.shards[2];
    const tampered = served.files.get(victim.file)!.slice();
    tampered[100] ^= 1;
    const error = await ensureDataset('cifar10', {
      cache,
      baseUrl: '/data',
      fetch: fakeServer({ [victim.file]: tampered }).fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('checksum');
    expect((error as DataError).message).toContain(victim.file);
    expect((error as DataError).message).toMatch(/npm run data -- import/);
    expect(await keys(store)).toEqual([]); // the shards before it were rolled back
  });

  it('a shard of the wrong length is caught before hashing', async () => {
    const victim = served.manifest.splits.test.shards[0];
    const error = await ensureDataset('cifar10', {
      cache: new DataCache(freshStore()),
      baseUrl: '/data',
      fetch: fakeServer({ [victim.file]: served.files.get(victim.file)!.subarray(10) }).fetch,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('checksum');
  });

  it('no data on the server: says how to get it', async () => {
    const error = await ensureDataset('cifar10', {
      cache: new DataCache(freshStore()),
      baseUrl: '/data',
      fetch: fakeServer({ 'manifest.json': null }).fetch,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('network');
    expect((error as DataError).message).toMatch(/404.*npm run data -- fetch.*import/);
  });

  it('a malformed manifest is rejected', async () => {
    const error = await ensureDataset('cifar10', {
      cache: new DataCache(freshStore()),
      baseUrl: '/data',
      fetch: fakeServer({ 'manifest.json': '{"version":1,"dataset":"cifar10"}' }).fetch,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('bad-manifest');
  });

  it('offline with refresh: falls back to the complete cached copy', async () => {
    const cache = new DataCache(freshStore());
    await ensureDataset('cifar10', { cache, baseUrl: '/data', fetch: fakeServer().fetch });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof globalThis.fetch;
    const manifest = await ensureDataset('cifar10', {
      cache,
      baseUrl: '/data',
      fetch: offline,
      refresh: true,
    });
    expect(manifest).toEqual(served.manifest);
    const error = await ensureDataset('cifar10', {
      cache: new DataCache(freshStore()),
      baseUrl: '/data',
      fetch: offline,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('network');
    expect((error as DataError).message).toMatch(/Failed to fetch.*import the official/);
  });

  it('storage quota exceeded while downloading: quota error, cache as before', async () => {
    const inner = freshStore();
    let puts = 0;
    const store: UseStore = (mode, callback) =>
      inner(mode, (s) => {
        const put = s.put.bind(s);
        s.put = (value: unknown, key?: IDBValidKey) => {
          if (++puts > 2) throw new DOMException('full', 'QuotaExceededError');
          return put(value, key);
        };
        return callback(s);
      });
    const error = await ensureDataset('cifar10', {
      cache: new DataCache(store),
      baseUrl: '/data',
      fetch: fakeServer().fetch,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('quota');
    expect(await snapshot(inner)).toEqual([]);
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    const store = freshStore();
    const error = await ensureDataset('cifar10', {
      cache: new DataCache(store),
      baseUrl: '/data',
      fetch: fakeServer().fetch,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loadedBytes > 20_000) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('aborted');
    expect(await keys(store)).toEqual([]);
  });
});

describe('ensureDataset with the lab server fetching the archive', () => {
  it("reports the server's download as 'fetch' progress while the manifest waits", async () => {
    const cache = new DataCache(freshStore());
    const server = fakeServer();
    let polls = 0;
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => (release = resolve));
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (url === '/__cardinal/data/cifar10') {
        polls++;
        if (polls === 3) release();
        return Response.json({
          state: 'fetching',
          source: 'http://mirror/cifar-10-binary.tar.gz',
          loadedBytes: 1000 * polls,
          totalBytes: 170_000,
          bytesPerSecond: 2000,
          etaSeconds: 80,
        });
      }
      if (url.endsWith('manifest.json')) await waiting; // the server is still downloading
      return server.fetch(input, init);
    }) as typeof globalThis.fetch;
    const progress: DataProgress[] = [];
    await ensureDataset('cifar10', {
      cache,
      baseUrl: '/data',
      fetch,
      serverStatusUrl: '/__cardinal/data/cifar10',
      onProgress: (p) => progress.push(p),
    });
    const fetching = progress.filter((p) => p.phase === 'fetch');
    expect(fetching.length).toBeGreaterThanOrEqual(2);
    expect(fetching[0]).toMatchObject({
      totalBytes: 170_000,
      bytesPerSecond: 2000,
      etaSeconds: 80,
    });
    expect(progress.at(-1)?.phase).toBe('download');
    const pollsAtEnd = polls;
    await new Promise((r) => setTimeout(r, 900));
    expect(polls).toBe(pollsAtEnd); // the watcher stopped with the manifest
  });

  it("passes on the server's own account of a failed fetch, and caches nothing", async () => {
    const store = freshStore();
    const cache = new DataCache(store);
    const message = 'Cannot download http://mirror/x.tar.gz (ECONNREFUSED). Without it: …';
    const fetch = (async () =>
      Response.json(
        { error: { code: 'network', message } },
        { status: 502 },
      )) as typeof globalThis.fetch;
    const error = await ensureDataset('cifar10', { cache, baseUrl: '/data', fetch }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code: 'network', message });
    expect(await keys(store)).toEqual([]);
  });
});
