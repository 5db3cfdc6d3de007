// The page's side of data.worker.ts: imports an archive in a worker of its own, with progress
// and cancellation; the cache is written there, so the page only hears how far it got.
import { DataError } from '../data/errors';
import type { Manifest } from '../data/manifest';
import type { ProgressCallback } from '../data/progress';
import type { DataWorkerEvent, DataWorkerRequest } from './dataProtocol';

export function importInWorker(
  file: File,
  onProgress: ProgressCallback,
  signal: AbortSignal,
): Promise<Manifest> {
  const worker = new Worker(new URL('./data.worker.ts', import.meta.url), {
    type: 'module',
    name: 'cardinal-data',
  });
  const send = (request: DataWorkerRequest) => worker.postMessage(request);
  return new Promise<Manifest>((resolve, reject) => {
    // Cancel asks the worker to stop, so it rolls its writes back before it is ended.
    const cancel = () => send({ type: 'cancel' });
    signal.addEventListener('abort', cancel);
    const finish = () => {
      signal.removeEventListener('abort', cancel);
      worker.terminate();
    };
    worker.onmessage = ({ data }: MessageEvent<DataWorkerEvent>) => {
      if (data.type === 'progress') return onProgress(data.progress);
      finish();
      if (data.type === 'imported') resolve(data.manifest);
      else reject(data.code ? new DataError(data.code, data.message) : new Error(data.message));
    };
    worker.onerror = (event) => {
      finish();
      reject(new Error(`the import worker failed: ${event.message}`));
    };
    send({ type: 'import', file });
  });
}
