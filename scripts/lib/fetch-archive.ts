// Downloads an official CIFAR archive, checks its MD5 as the bytes stream past, and imports it
// into <outDir>/<dataset>/ with the shared pipeline (dataset-dir.ts: atomic, so a failure leaves
// nothing half-written). One implementation for `npm run data -- fetch` and the lab's server
// (data-server.ts), which fetches on the page's behalf.
//
// Where from: the official URL, unless CARDINAL_DATA_SOURCE names a mirror: an http(s) URL or a
// local path, either of the archive itself (…/cifar-10-binary.tar.gz) or of a folder holding the
// archives under their official names. CARDINAL_DATA_MD5 replaces the published MD5 for a mirror
// whose archives were rebuilt (one hex sum, or `cifar10=<md5>,cifar100=<md5>`).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { DATASETS, type DatasetId } from '../../src/data/cifar';
import { DataError, abortedError } from '../../src/data/errors';
import type { Manifest } from '../../src/data/manifest';
import { importArchiveToDir } from './dataset-dir';

/** How long a download waits for the server's first answer before calling the network down. */
export const CONNECT_TIMEOUT_MS = 20_000;

export interface ArchiveSource {
  dataset: DatasetId;
  /** An http(s) URL or an absolute file path. */
  location: string;
  isUrl: boolean;
  /** The MD5 the archive must have. */
  md5: string;
  /** True when it is the official download (no CARDINAL_DATA_SOURCE). */
  official: boolean;
}

type Env = Record<string, string | undefined>;

const ARCHIVE_NAME = /\.(tar\.gz|tgz|tar)$/i;

/** Where `dataset` comes from, by CARDINAL_DATA_SOURCE / CARDINAL_DATA_MD5 or the official URL. */
export function archiveSource(dataset: DatasetId, env: Env = process.env): ArchiveSource {
  const info = DATASETS[dataset];
  const configured = env.CARDINAL_DATA_SOURCE?.trim();
  const md5 = md5For(dataset, env.CARDINAL_DATA_MD5) ?? info.md5;
  if (!configured) {
    return { dataset, location: info.url, isUrl: true, md5: info.md5, official: true };
  }
  const isUrl = /^https?:\/\//i.test(configured);
  if (!isUrl && /^[a-z][\w+.-]*:\/\//i.test(configured)) {
    throw new DataError(
      'network',
      `CARDINAL_DATA_SOURCE=${configured} is neither an http(s) URL nor a local path.`,
    );
  }
  const base = isUrl ? configured : resolve(configured);
  const location = ARCHIVE_NAME.test(base)
    ? base
    : `${base.replace(/\/+$/, '')}/${info.archiveName}`;
  return { dataset, location, isUrl, md5, official: false };
}

function md5For(dataset: DatasetId, setting: string | undefined): string | undefined {
  for (const part of (setting ?? '').split(',').map((p) => p.trim())) {
    const match = /^(?:(cifar10|cifar100)=)?([0-9a-f]{32})$/i.exec(part);
    if (match && (!match[1] || match[1] === dataset)) return match[2].toLowerCase();
  }
  return undefined;
}

export interface FetchProgress {
  loadedBytes: number;
  totalBytes?: number;
}

export interface FetchArchiveOptions {
  /** The data folder, e.g. public/data. */
  outDir: string;
  source: ArchiveSource;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
  onProgress?: (progress: FetchProgress) => void;
}

/** What to do without the download, for every message that says it failed. */
export function manualWays(dataset: DatasetId): string {
  const info = DATASETS[dataset];
  return (
    `Without it: download ${info.archiveName} from ${info.url} on a machine that can, then ` +
    `drop it on the page's Data panel, or run \`npm run data -- import <path/to/${info.archiveName}>\` ` +
    'where the lab is served.'
  );
}

export async function fetchArchiveToDir(
  dataset: DatasetId,
  options: FetchArchiveOptions,
): Promise<{ manifest: Manifest; dir: string }> {
  const { source, signal } = options;
  const info = DATASETS[dataset];
  const offline = (why: string, cause?: unknown) =>
    new DataError(
      'network',
      `Cannot download ${source.location} (${why}). ${manualWays(dataset)}`,
      {
        cause,
      },
    );
  const { body, totalBytes } = source.isUrl
    ? await openUrl(
        source.location,
        options.fetch ?? globalThis.fetch.bind(globalThis),
        signal,
        offline,
      )
    : await openFile(source.location, signal, offline);

  // MD5 as the bytes stream past; the import checks it before anything is switched over.
  const md5 = createHash('md5');
  const tapped = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        md5.update(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await importArchiveToDir(tapped, {
      outDir: options.outDir,
      fileName: info.archiveName,
      totalBytes,
      signal,
      onProgress: (p) => options.onProgress?.({ loadedBytes: p.loadedBytes, totalBytes }),
      beforeCommit: (manifest) => {
        const actual = md5.digest('hex');
        if (actual !== source.md5) {
          throw new DataError(
            'checksum',
            `The downloaded ${info.archiveName} has MD5 ${actual}, but ${source.official ? 'the published one' : 'CARDINAL_DATA_MD5 (or the published one)'} ` +
              `is ${source.md5}: the download is damaged or the file changed. Try again. ` +
              'Nothing was written.',
          );
        }
        if (manifest.dataset !== dataset) {
          throw new DataError(
            'missing-files',
            `${source.location} holds ${DATASETS[manifest.dataset].title}, not ${info.title}. ` +
              'Nothing was written.',
          );
        }
      },
    });
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal);
    // A dropped connection shows up as a gzip or read error; say what really happened.
    if (error instanceof DataError && ['read', 'truncated-gzip'].includes(error.code)) {
      throw offline(`the download broke off: ${error.message}`, error);
    }
    throw error;
  }
}

type Offline = (why: string, cause?: unknown) => DataError;

async function openUrl(
  url: string,
  fetchFn: typeof globalThis.fetch,
  signal: AbortSignal | undefined,
  offline: Offline,
) {
  const connect = new AbortController();
  const timer = setTimeout(() => connect.abort(), CONNECT_TIMEOUT_MS);
  const signals = signal ? [signal, connect.signal] : [connect.signal];
  let response: Response;
  try {
    response = await fetchFn(url, { signal: AbortSignal.any(signals) });
  } catch (cause) {
    if (signal?.aborted) throw abortedError(signal);
    const reason = connect.signal.aborted
      ? `no answer in ${CONNECT_TIMEOUT_MS / 1000} s`
      : describeFetchError(cause);
    throw offline(reason, cause);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) throw offline(`the server answered ${response.status}`);
  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  return { body: response.body, totalBytes };
}

async function openFile(path: string, signal: AbortSignal | undefined, offline: Offline) {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
    size = info.size;
  } catch (cause) {
    throw offline(`${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, cause);
  }
  const stream = createReadStream(path, { signal });
  return { body: Readable.toWeb(stream) as ReadableStream<Uint8Array>, totalBytes: size };
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}
