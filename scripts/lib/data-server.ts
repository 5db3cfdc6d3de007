// The lab's own server, for `npm start` (vite) and `npm run preview`: it serves the CIFAR shards
// under /data/<dataset>/ and, when the page asks for a manifest.json that is not there yet,
// fetches the official archive itself (browsers cannot: its host sends no CORS headers) with
// the same code as `npm run data -- fetch`. While it does, /__cardinal/data/<dataset> reports
// progress (bytes, rate, ETA); a second request joins the download under way, and when every
// page that asked has gone (Cancel, a closed tab) the download is abandoned, leaving nothing.
//
// Rules (../shared/DESIGN.md, "The lab's own server"): only known dataset ids and file names the
// server wrote itself (those in its manifest.json); never a URL, path or name from the request;
// the source comes from CARDINAL_DATA_SOURCE or the official URL.

import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { DATASETS, isDatasetId, type DatasetId } from '../../src/data/cifar';
import { DataError } from '../../src/data/errors';
import { allShards, parseManifest, type Manifest } from '../../src/data/manifest';
import { archiveSource, fetchArchiveToDir, manualWays } from './fetch-archive';

/** What the progress endpoint answers (src/data/serverFetch.ts reads it). */
export interface ServerDataStatus {
  dataset: DatasetId;
  /** ready: manifest and shards are here; fetching: a download is under way; absent: neither. */
  state: 'ready' | 'fetching' | 'absent';
  /** Where a download comes from (the official URL or CARDINAL_DATA_SOURCE's). */
  source: string;
  loadedBytes: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  /** The last download's failure, until the next one starts. */
  error?: { code: string; message: string };
}

export interface DataServerOptions {
  /** Where datasets live: <dataDir>/<dataset>/ (default CARDINAL_DATA_DIR or public/data). */
  dataDir: string;
  /** URL prefix the app is served under (Vite's `base`), e.g. "/". */
  base?: string;
  env?: Record<string, string | undefined>;
  fetch?: typeof globalThis.fetch;
  /** How long a download outlives its last waiting request (a reload can rejoin meanwhile). */
  abandonAfterMs?: number;
}

interface Download {
  promise: Promise<Manifest>;
  controller: AbortController;
  waiters: number;
  startedAt: number;
  loadedBytes: number;
  totalBytes?: number;
  abandonTimer?: ReturnType<typeof setTimeout>;
}

export const STATUS_PATH = '__cardinal/data/';

export function createDataServer(options: DataServerOptions) {
  const base = (options.base ?? '/').replace(/\/?$/, '/');
  const env = options.env ?? process.env;
  const abandonAfterMs = options.abandonAfterMs ?? 3000;
  const downloads = new Map<DatasetId, Download>();
  const failures = new Map<DatasetId, DataError>();
  const dirOf = (dataset: DatasetId) => join(options.dataDir, dataset);

  async function readLocalManifest(dataset: DatasetId): Promise<Manifest | undefined> {
    const path = join(dirOf(dataset), 'manifest.json');
    if (!existsSync(path)) return undefined;
    try {
      return parseManifest(JSON.parse(await readFile(path, 'utf8')), path);
    } catch {
      return undefined;
    }
  }

  function start(dataset: DatasetId): Download {
    const controller = new AbortController();
    const download: Download = {
      controller,
      waiters: 0,
      startedAt: performance.now(),
      loadedBytes: 0,
      promise: Promise.resolve(undefined as unknown as Manifest),
    };
    failures.delete(dataset);
    download.promise = (async () => {
      const source = archiveSource(dataset, env);
      const { manifest } = await fetchArchiveToDir(dataset, {
        outDir: options.dataDir,
        source,
        fetch: options.fetch,
        signal: controller.signal,
        onProgress: (p) => {
          download.loadedBytes = p.loadedBytes;
          download.totalBytes = p.totalBytes;
        },
      });
      return manifest;
    })();
    download.promise.then(
      () => downloads.delete(dataset),
      (error: unknown) => {
        downloads.delete(dataset);
        failures.set(
          dataset,
          error instanceof DataError
            ? error
            : new DataError('network', `${String(error)}. ${manualWays(dataset)}`),
        );
      },
    );
    downloads.set(dataset, download);
    return download;
  }

  /** Waits for the dataset's download (joining one under way); abandons it if the caller goes. */
  async function joinDownload(dataset: DatasetId, res: ServerResponse): Promise<Manifest> {
    const download = downloads.get(dataset) ?? start(dataset);
    download.waiters++;
    clearTimeout(download.abandonTimer);
    res.once('close', () => {
      download.waiters--;
      if (download.waiters > 0 || res.writableFinished) return;
      download.abandonTimer = setTimeout(() => {
        if (download.waiters === 0 && downloads.get(dataset) === download) {
          download.controller.abort(
            new DataError('aborted', 'Cancelled: the page that asked for it went away.'),
          );
        }
      }, abandonAfterMs);
    });
    return download.promise;
  }

  function status(dataset: DatasetId, ready: boolean): ServerDataStatus {
    const download = downloads.get(dataset);
    const failure = failures.get(dataset);
    let source: string;
    try {
      source = archiveSource(dataset, env).location;
    } catch (error) {
      source = (error as Error).message;
    }
    const base = { dataset, source, loadedBytes: 0 };
    if (ready) return { ...base, state: 'ready' };
    if (!download) {
      return {
        ...base,
        state: 'absent',
        ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
      };
    }
    const seconds = (performance.now() - download.startedAt) / 1000;
    const rate = seconds > 0.5 ? download.loadedBytes / seconds : undefined;
    const left = download.totalBytes ? download.totalBytes - download.loadedBytes : undefined;
    return {
      ...base,
      state: 'fetching',
      loadedBytes: download.loadedBytes,
      totalBytes: download.totalBytes,
      bytesPerSecond: rate,
      etaSeconds: rate && left !== undefined ? left / rate : undefined,
    };
  }

  /** Connect middleware: answers its own paths, passes everything else on. */
  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      if (path.startsWith(base + STATUS_PATH)) {
        const dataset = path.slice((base + STATUS_PATH).length);
        if (!isDatasetId(dataset)) return sendJson(res, 404, { error: 'unknown dataset' });
        const ready = (await readLocalManifest(dataset)) !== undefined;
        return sendJson(res, 200, status(dataset, ready));
      }
      const match = new RegExp(`^${escape(base)}data/([^/]+)/([^/]+)$`).exec(path);
      if (!match || !isDatasetId(match[1])) return next();
      const dataset = match[1];
      const file = match[2];
      const manifest = await readLocalManifest(dataset);
      if (file === 'manifest.json') {
        if (manifest) return sendFile(req, res, join(dirOf(dataset), file), 'application/json');
        // HEAD asks whether it is here; only a GET (the page loading it) starts a download.
        if (req.method === 'HEAD') return sendJson(res, 404, { error: 'not fetched yet' });
        try {
          await joinDownload(dataset, res);
        } catch (error) {
          const { code, message } =
            error instanceof DataError ? error : { code: 'internal', message: String(error) };
          if (!res.destroyed) sendJson(res, 502, { error: { code, message } });
          return;
        }
        if (res.destroyed) return;
        return sendFile(req, res, join(dirOf(dataset), file), 'application/json');
      }
      // A shard: only a name this server's manifest lists.
      const shard = manifest && allShards(manifest).find((s) => s.file === file);
      if (!shard)
        return sendJson(res, 404, { error: `no ${DATASETS[dataset].title} shard ${file}` });
      return sendFile(req, res, join(dirOf(dataset), shard.file), 'application/octet-stream');
    } catch (error) {
      next(error);
    }
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  type: string,
): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return sendJson(res, 404, { error: 'not here' });
  }
  res.writeHead(200, { 'content-type': type, 'content-length': size, 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(path)
    .once('error', () => res.destroy())
    .pipe(res);
}
