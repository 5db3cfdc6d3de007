/// <reference lib="webworker" />
// The in-page import of a user's archive (a dropped or chosen .tar.gz), off the main thread:
// gunzip, tar, record checks, SHA-256 and IndexedDB writes of 170 MB would otherwise pause the
// page for up to 0.2 s at a time. One import per worker; dataClient.ts starts and ends it.
import { DataCache } from '../data/cache';
import { importFileToCache } from '../data/download';
import { isDataError } from '../data/errors';
import type { DataProgress } from '../data/progress';
import type { DataWorkerEvent, DataWorkerRequest } from './dataProtocol';

declare const self: DedicatedWorkerGlobalScope;

/** Progress at most this often: a bar needs no more. */
const PROGRESS_MS = 50;
const post = (event: DataWorkerEvent) => self.postMessage(event);
let controller: AbortController | null = null;

self.onmessage = async ({ data: request }: MessageEvent<DataWorkerRequest>) => {
  if (request.type === 'cancel') {
    controller?.abort();
    return;
  }
  if (controller) return; // one import per worker
  controller = new AbortController();
  let last = 0;
  const onProgress = (progress: DataProgress) => {
    const now = performance.now();
    if (now - last < PROGRESS_MS && progress.loadedBytes !== progress.totalBytes) return;
    last = now;
    post({ type: 'progress', progress });
  };
  try {
    const manifest = await importFileToCache(request.file, {
      cache: new DataCache(),
      onProgress,
      signal: controller.signal,
    });
    post({ type: 'imported', manifest });
  } catch (error) {
    post({
      type: 'failed',
      code: isDataError(error) ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
