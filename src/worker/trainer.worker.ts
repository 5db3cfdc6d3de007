/// <reference lib="webworker" />
// The training worker: owns TF.js, the data and the trainer, so the page never blocks. It
// speaks only protocol.ts and imports nothing from store/ or ui/.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { isDataError } from '../data/errors';
import { runBenchmark } from '../engine/bench';
import { BackendUnavailableError, initBackend } from '../engine/setBackend';
import { DivergedError } from '../engine/train';
import type { ErrorCode, WorkerEvent, WorkerRequest } from './protocol';
import { runTraining, type RunControl } from './run';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: WorkerEvent) => self.postMessage(event);
const wasmPaths = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

let control: RunControl | null = null;

function errorCode(error: unknown): ErrorCode {
  if (error instanceof DivergedError) return 'diverged';
  if (error instanceof BackendUnavailableError) return 'backend-unavailable';
  if (isDataError(error)) return 'no-data';
  return 'internal';
}

self.onmessage = async ({ data: request }: MessageEvent<WorkerRequest>) => {
  switch (request.type) {
    case 'start': {
      const { config, resume } = request;
      if (control) {
        post({
          type: 'error',
          runId: config.runId,
          code: 'busy',
          message: 'a run is already training',
        });
        return;
      }
      control = { paused: false, stopped: false };
      try {
        const init = await initBackend(config.backend, { wasmPaths });
        post({ type: 'ready', runId: config.runId, ...init });
        const stopped = await runTraining(config, resume, control, post);
        post({ type: 'done', runId: config.runId, stopped });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        post({ type: 'error', runId: config.runId, code: errorCode(error), message });
      } finally {
        control = null;
      }
      return;
    }
    case 'bench': {
      if (control) {
        post({ type: 'error', runId: request.runId, code: 'busy', message: 'a run is training' });
        return;
      }
      try {
        const init = await initBackend(request.backend, { wasmPaths });
        const result = await runBenchmark(request.bench);
        post({ type: 'bench-result', runId: request.runId, result: { ...init, ...result } });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        post({ type: 'error', runId: request.runId, code: errorCode(error), message });
      }
      return;
    }
    case 'pause':
      if (control) control.paused = true;
      return;
    case 'resume':
      if (control) {
        control.paused = false;
        control.wake?.();
      }
      return;
    case 'stop':
      if (control) {
        control.stopped = true;
        control.wake?.();
      }
      return;
  }
};
