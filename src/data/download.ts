// Gets a dataset into the browser cache from the app's own server (public/data/<dataset>/,
// written by `npm run data -- import|fetch`), and the in-page import of a user's archive.
// Both end the same way: shards through a CacheWriter, the manifest last.

import type { DataCache } from './cache';
import { DATASETS, type DatasetId } from './cifar';
import { DataError, abortedError, formatBytes, throwIfAborted } from './errors';
import { importArchive } from './import';
import { parseManifest, type Manifest, type ShardInfo } from './manifest';
import type { ProgressCallback } from './progress';
import { watchServerFetch } from './serverFetch';
import { sha256Hex } from './sha256';

export interface EnsureDatasetOptions {
  cache: DataCache;
  /** Where the data folder is served, e.g. `${import.meta.env.BASE_URL}data`. */
  baseUrl: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Ask the server for a newer manifest even when the dataset is cached and complete. */
  refresh?: boolean;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /**
   * The lab server's progress endpoint (serverFetch.ts): while the manifest request waits for
   * the server to fetch the archive, its progress is reported as phase 'fetch'.
   */
  serverStatusUrl?: string;
}

/**
 * Resolves to a manifest whose shards are all in the cache. A complete cached dataset is
 * returned without any network request (offline, every reload); otherwise the server's
 * manifest is read and only the shards the cache lacks are downloaded, verified and stored.
 */
export async function ensureDataset(
  dataset: DatasetId,
  options: EnsureDatasetOptions,
): Promise<Manifest> {
  const { cache, signal } = options;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = `${options.baseUrl.replace(/\/+$/, '')}/${dataset}`;
  const title = DATASETS[dataset].title;
  const cached = (await cache.listCached()).find((c) => c.dataset === dataset);
  if (cached?.complete && !options.refresh) return cached.manifest;

  let manifest: Manifest;
  const stopWatching =
    options.serverStatusUrl && options.onProgress
      ? watchServerFetch(options.serverStatusUrl, options.onProgress, fetchFn)
      : () => {};
  try {
    const response = await request(fetchFn, `${base}/manifest.json`, signal, title).finally(
      stopWatching,
    );
    manifest = parseManifest(await response.json().catch(() => null), `${base}/manifest.json`);
    if (manifest.dataset !== dataset) {
      throw new DataError(
        'bad-manifest',
        `${base}/manifest.json describes ${manifest.dataset}, not ${dataset}.`,
      );
    }
  } catch (error) {
    // Offline or no server data, but a complete copy is cached: use it.
    if (cached?.complete && !(error instanceof DataError && error.code === 'aborted')) {
      return cached.manifest;
    }
    throw error;
  }

  const shards = [...manifest.splits.train.shards, ...manifest.splits.test.shards];
  const missing: ShardInfo[] = [];
  for (const shard of shards) if (!(await cache.hasShard(shard.sha256))) missing.push(shard);
  const totalBytes = missing.reduce((n, s) => n + s.bytes, 0);
  let loadedBytes = 0;
  options.onProgress?.({ phase: 'download', loadedBytes, totalBytes });

  const writer = cache.beginWrite();
  try {
    for (const shard of missing) {
      throwIfAborted(signal);
      const url = `${base}/${shard.file}`;
      const bytes = await downloadShard(fetchFn, url, shard, title, signal, (n) => {
        loadedBytes += n;
        options.onProgress?.({ phase: 'download', loadedBytes, totalBytes, item: shard.file });
      });
      const sha256 = await sha256Hex(bytes);
      if (sha256 !== shard.sha256) {
        throw new DataError(
          'checksum',
          `${url} does not match its SHA-256 in manifest.json (expected ${shard.sha256}, got ` +
            `${sha256}): the server's copy is damaged or out of date. Re-run ` +
            `\`npm run data -- import <archive>\` where the app is served, or import the ` +
            'archive in this page. The cache is as it was before.',
        );
      }
      await writer.putShard(shard, bytes, dataset);
    }
    await writer.commit(manifest);
  } catch (error) {
    await writer.rollback();
    throw error;
  }
  return manifest;
}

export interface ImportFileOptions {
  cache: DataCache;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  recordsPerShard?: number;
}

/**
 * The in-page import: a user's .tar.gz (a File from a picker or a drop) is read as a stream,
 * validated, sharded and cached. Run it in the worker to keep the page smooth; on the main
 * thread it still yields every few tens of milliseconds.
 */
export async function importFileToCache(
  file: Blob & { name?: string },
  options: ImportFileOptions,
): Promise<Manifest> {
  const fileName = file.name || 'the archive';
  const writer = options.cache.beginWrite();
  try {
    const manifest = await importArchive(file.stream(), {
      fileName,
      totalBytes: file.size,
      onProgress: options.onProgress,
      signal: options.signal,
      recordsPerShard: options.recordsPerShard,
      sink: writer,
    });
    await writer.commit(manifest);
    return manifest;
  } catch (error) {
    await writer.rollback();
    throw error;
  }
}

async function request(
  fetchFn: typeof globalThis.fetch,
  url: string,
  signal: AbortSignal | undefined,
  title: string,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, { signal, cache: 'no-cache' });
  } catch (cause) {
    if (signal?.aborted) throw abortedError(signal);
    throw new DataError(
      'network',
      `Could not reach ${url} (${String(cause)}). Check the connection and try again, or ` +
        `import the official ${title} archive in this page.`,
      { cause },
    );
  }
  if (!response.ok) {
    // The lab's server says why its own download failed (offline, checksum…) and what to do.
    const told = await response
      .json()
      .then((json: { error?: { code?: string; message?: string } }) => json.error)
      .catch(() => undefined);
    if (typeof told?.message === 'string') {
      const code = told.code === 'checksum' || told.code === 'aborted' ? told.code : 'network';
      throw new DataError(code, told.message);
    }
    throw new DataError(
      'network',
      `The server answered ${response.status} for ${url}: it has no ${title} data. Run ` +
        '`npm run data -- fetch <dataset>` (or `import`) where the app is served, or import ' +
        `the official ${title} archive in this page.`,
    );
  }
  return response;
}

async function downloadShard(
  fetchFn: typeof globalThis.fetch,
  url: string,
  shard: ShardInfo,
  title: string,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  const response = await request(fetchFn, url, signal, title);
  const bytes = new Uint8Array(shard.bytes);
  let offset = 0;
  const sizeError = (got: string) =>
    new DataError(
      'checksum',
      `${url} is ${got}, but manifest.json says ${formatBytes(shard.bytes)}: the server's copy ` +
        'is damaged or out of date. Re-run `npm run data -- import <archive>` where the app is ' +
        'served, or import the archive in this page. The cache is as it was before.',
    );
  if (!response.body) throw sizeError('empty');
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (offset + value.length > bytes.length) throw sizeError('larger');
      bytes.set(value, offset);
      offset += value.length;
      onBytes(value.length);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    if (error instanceof DataError) throw error;
    if (signal?.aborted) throw abortedError(signal);
    throw new DataError(
      'network',
      `The download of ${url} broke off (${String(error)}). Check the connection and try ` +
        'again. The cache is as it was before.',
      { cause: error },
    );
  }
  if (offset !== bytes.length) throw sizeError(`${formatBytes(offset)}`);
  return bytes;
}
