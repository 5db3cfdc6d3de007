/// <reference lib="webworker" />
// The training worker: owns TF.js, the data and the trainer, so the page never blocks. It
// speaks only protocol.ts and imports nothing from store/ or ui/.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs';
import { isDataError } from '../data/errors';
import { benchEngine, runBenchmark } from '../engine/bench';
import {
  BackendUnavailableError,
  initBackend,
  type BackendChoice,
  type BackendInit,
} from '../engine/setBackend';
import { MemoryPreflightError } from '../engine/preflight';
import { DivergedError } from '../engine/train';
import { exportRun, importWeights } from './exportImport';
import { inspectRun, inspectTransfers } from './inspect';
import type { ErrorCode, WorkerEvent, WorkerRequest } from './protocol';
import { BackendLostError, runTraining, type RunControl } from './run';
import { explainWasmAbort, isWasmAbort } from './wasmMemory';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: WorkerEvent, transfer: Transferable[] = []) =>
  self.postMessage(event, transfer);
const wasmPaths = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

let control: RunControl | null = null;
/** A fault a test asked for before the run started (inject-fault), handed to the next run. */
let pendingFault: RunControl['fault'];
/**
 * Once the backend has died, this worker answers every request with backend-lost: the page
 * replaces it (store/recovery.ts).
 */
let dead: BackendLostError | null = null;

/** A lost WebGPU device (or an out-of-memory error TF.js did not catch) ends the run. */
function watchGpuDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) return;
  void device.lost.then((info) => {
    dead = new BackendLostError(`the GPU device was lost: ${info.reason} ${info.message}`, false);
    if (control) control.lost = dead;
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    if (error instanceof GPUOutOfMemoryError && control) {
      dead = new BackendLostError(`WebGPU ran out of memory: ${error.message}`, true);
      control.lost = dead;
    }
  });
}

/** The backend-lost error a failure means, or null when the backend is still usable. */
function backendLoss(error: unknown, backend: string, batch: number): BackendLostError | null {
  if (error instanceof BackendLostError) return error;
  const raw = messageOf(error);
  const explained = explainWasmAbort(raw, backend, batch);
  if (explained) return new BackendLostError(explained, isWasmAbort(raw, backend));
  if (backend === 'webgpu' && /device (was )?lost|GPUOutOfMemoryError|out of memory/i.test(raw)) {
    return new BackendLostError(raw, /memory/i.test(raw));
  }
  return null;
}
/** The training run's backend initialisation (resolved once it trains). */
let runBackend: Promise<BackendInit> | null = null;
/** Exports and imports, one at a time; a run's start waits for the one under way. */
let tasks: Promise<unknown> = Promise.resolve();
/** The backend the last initialisation picked, and what it was asked for. */
let lastInit: { choice: BackendChoice; init: BackendInit } | null = null;

async function backendFor(choice: BackendChoice): Promise<BackendInit> {
  // While a run trains, its backend is the only one: switching would pull its tensors away.
  if (control && runBackend) return runBackend;
  if (lastInit?.choice !== choice)
    lastInit = { choice, init: await initBackend(choice, { wasmPaths }) };
  return lastInit.init;
}

/** Runs an export or import after the ones before it; never rejects. */
function task(work: () => Promise<void>): void {
  tasks = tasks.then(work).catch(() => undefined);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function errorCode(error: unknown): ErrorCode {
  if (error instanceof DivergedError) return 'diverged';
  if (error instanceof BackendUnavailableError) return 'backend-unavailable';
  if (error instanceof MemoryPreflightError) return 'out-of-memory';
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
      if (dead) {
        const { runId } = config;
        post({ type: 'error', runId, code: 'backend-lost', message: dead.message, memory: false });
        return;
      }
      control = { paused: false, stopped: false, fault: pendingFault };
      pendingFault = undefined;
      try {
        runBackend = tasks.then(() => initBackend(config.backend, { wasmPaths }));
        const init = await runBackend;
        lastInit = { choice: config.backend, init };
        if (init.backend === 'webgpu') watchGpuDevice();
        post({ type: 'ready', runId: config.runId, ...init });
        const stopped = await runTraining(config, resume, control, post);
        post({ type: 'done', runId: config.runId, stopped });
      } catch (error) {
        const batch = config.recipe.batchSize;
        const lost = backendLoss(error, lastInit?.init.backend ?? '', batch);
        if (lost) {
          dead = lost;
          const { message, memory } = lost;
          post({ type: 'error', runId: config.runId, code: 'backend-lost', message, memory });
        } else {
          post({
            type: 'error',
            runId: config.runId,
            code: errorCode(error),
            message: messageOf(error),
          });
        }
      } finally {
        control = null;
        runBackend = null;
      }
      return;
    }
    case 'export': {
      const { runId, backend } = request.request;
      task(async () => {
        try {
          await backendFor(backend);
          const { fileName, bytes, epoch } = await exportRun(request.request);
          post({ type: 'export-ready', runId, fileName, bytes, epoch }, [bytes.buffer]);
        } catch (error) {
          post({ type: 'export-failed', runId, message: messageOf(error) });
        }
      });
      return;
    }
    case 'import': {
      const { runId, backend } = request.request;
      task(async () => {
        try {
          const init = await backendFor(backend);
          const imported = await importWeights(request.request, init);
          post({ type: 'import-ready', runId, imported });
        } catch (error) {
          post({ type: 'import-failed', runId, message: messageOf(error) });
        }
      });
      return;
    }
    case 'inspect': {
      const { runId, imageIndex, backend } = request.request;
      const answer = async () => {
        try {
          const ready = await inspectRun(
            request.request,
            () => control?.live,
            () => backendFor(backend),
          );
          post(ready, inspectTransfers(ready.view));
        } catch (error) {
          post({ type: 'inspect-failed', runId, imageIndex, message: messageOf(error) });
        }
      };
      // A look at the training run goes at once (between two of its steps); one at a saved
      // run waits its turn behind exports and imports, like them building a model.
      if (control?.live?.runId === runId) void answer();
      else task(answer);
      return;
    }
    case 'bench': {
      if (control) {
        post({ type: 'error', runId: request.runId, code: 'busy', message: 'a run is training' });
        return;
      }
      try {
        await tasks;
        const init = await initBackend(request.backend, {
          wasmPaths,
          threads: request.bench.threads,
        });
        lastInit = { choice: request.backend, init };
        const result = await runBenchmark(request.bench);
        post({ type: 'bench-result', runId: request.runId, result: { ...init, ...result } });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        post({ type: 'error', runId: request.runId, code: errorCode(error), message });
      }
      return;
    }
    case 'calibrate': {
      const { runId, backend, spec, batch, steps, warmup } = request;
      // A task: a run that starts meanwhile waits for it (runBackend), so they never overlap.
      task(async () => {
        try {
          if (control) throw new Error('a run is training');
          const init = await backendFor(backend);
          const bench = await benchEngine(spec, { batch, steps, warmup });
          post({
            type: 'calibration',
            runId,
            backend: init.backend,
            adapter: init.adapter,
            imagesPerSecond: bench.imgPerSec,
            macsPerImage: bench.macs,
          });
        } catch (error) {
          post({ type: 'error', runId, code: errorCode(error), message: messageOf(error) });
        }
      });
      return;
    }
    case 'inject-fault': {
      const fault = { kind: request.fault, afterSteps: request.afterSteps };
      if (control) control.fault = fault;
      else pendingFault = fault;
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
