// What the lab's own server can do for a dataset, as the page sees it. `npm start` and
// `npm run preview` answer /__cardinal/data/<id> (scripts/lib/data-server.ts): the shards are
// there, or it fetches the official archive when the page asks for the manifest. A static host
// (`npm run build` served by anything) has no such endpoint: then only shards copied into the
// build are there, or nothing, and the page explains the manual ways.

import type { DatasetId } from './cifar';
import type { ProgressCallback } from './progress';

/** ready: the server has the shards; on-demand: it fetches them when asked; none: neither. */
export type ServerOffer =
  { kind: 'ready' } | { kind: 'on-demand'; source: string; lastError?: string } | { kind: 'none' };

/** The server's status answer (scripts/lib/data-server.ts, ServerDataStatus). */
interface StatusJson {
  state: 'ready' | 'fetching' | 'absent';
  source: string;
  loadedBytes: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  error?: { code: string; message: string };
}

export const statusUrl = (appBase: string, dataset: DatasetId) =>
  `${appBase.replace(/\/?$/, '/')}__cardinal/data/${dataset}`;

async function readStatus(
  url: string,
  fetchFn: typeof globalThis.fetch,
  signal?: AbortSignal,
): Promise<StatusJson | undefined> {
  try {
    const response = await fetchFn(url, { cache: 'no-store', signal });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) {
      return undefined;
    }
    const json = (await response.json()) as Partial<StatusJson>;
    return typeof json.state === 'string' && typeof json.source === 'string'
      ? (json as StatusJson)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function askServer(
  appBase: string,
  dataset: DatasetId,
  fetchFn: typeof globalThis.fetch = globalThis.fetch.bind(globalThis),
): Promise<ServerOffer> {
  const status = await readStatus(statusUrl(appBase, dataset), fetchFn);
  if (status?.state === 'ready') return { kind: 'ready' };
  if (status) return { kind: 'on-demand', source: status.source, lastError: status.error?.message };
  // A static host: shards copied into the build count; its index.html fallback does not.
  try {
    const base = appBase.replace(/\/?$/, '/');
    const head = await fetchFn(`${base}data/${dataset}/manifest.json`, { method: 'HEAD' });
    const json = head.ok && (head.headers.get('content-type') ?? '').includes('json');
    return json ? { kind: 'ready' } : { kind: 'none' };
  } catch {
    return { kind: 'none' };
  }
}

/**
 * Reports the server's download as 'fetch' progress until `stop` is called (or the server says
 * it is done). ensureDataset runs it while its manifest request waits for that download.
 */
export function watchServerFetch(
  url: string,
  onProgress: ProgressCallback,
  fetchFn: typeof globalThis.fetch = globalThis.fetch.bind(globalThis),
  intervalMs = 400,
): () => void {
  const stopped = new AbortController();
  void (async () => {
    while (!stopped.signal.aborted) {
      const status = await readStatus(url, fetchFn, stopped.signal);
      if (stopped.signal.aborted || status?.state === 'ready') return;
      if (status?.state === 'fetching') {
        onProgress({
          phase: 'fetch',
          loadedBytes: status.loadedBytes,
          totalBytes: status.totalBytes,
          bytesPerSecond: status.bytesPerSecond,
          etaSeconds: status.etaSeconds,
          item: status.source,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return () => stopped.abort();
}
