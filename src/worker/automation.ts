/// <reference types="vite/client" />
// The page's automation surface: a small typed API on `window.cardinal` for scripts that drive
// the built app in a headless browser (scripts/train.ts, scripts/bench.ts). It adds no logic
// of its own: the data layer's ensureDataset and the same TrainerClient and worker the UI uses.
//
//   await window.cardinal.ensureDataset('cifar10', (p) => …);   // server → IndexedDB
//   const last = await window.cardinal.train(config, (event) => …);  // 'done' or 'error'
//   window.cardinal.stop();                                       // ends the run after a step
//   const figures = await window.cardinal.bench('wasm', { preset: 'resnet20', batch: 32, … });
//   const zip = await window.cardinal.exportRun(request);  // the PyTorch bundle, base64
import { DataCache, ensureDataset, type DataProgress, type DatasetId } from '../data';
import type { CachedDataset, Manifest } from '../data';
import type { BenchRequest } from '../engine/bench';
import type { BackendChoice, BackendInit } from '../engine/setBackend';
import { TrainerClient } from './client';
import type { BackendFault, ExportRequest, RunConfig, WorkerEvent } from './protocol';

export type FinalEvent = Extract<WorkerEvent, { type: 'done' | 'error' }>;

/** The backend the worker benchmarked on, then runBenchmark's figures (src/engine/bench.ts). */
export type BenchResult = BackendInit & Record<string, unknown>;

export interface CardinalAutomation {
  /** Bumped when this interface changes incompatibly. */
  readonly version: 1;
  /** Downloads the dataset from this app's server (/data/<dataset>/) into the cache. */
  ensureDataset(dataset: DatasetId, onProgress?: (p: DataProgress) => void): Promise<Manifest>;
  listCached(): Promise<CachedDataset[]>;
  /**
   * Starts a run in the training worker and forwards its events (and the client's crash
   * event) to onEvent; resolves with the run's last event, 'done' or 'error'.
   */
  train(config: RunConfig, onEvent?: (event: WorkerEvent) => void): Promise<FinalEvent>;
  /** Asks the running run to stop; its 'done' event then says stopped: true. */
  stop(): void;
  /**
   * Times training steps in the worker on the given backend (npm run bench); resolves with
   * the figures, or rejects with the worker's error message (no backend, busy, a crash).
   */
  bench(backend: BackendChoice, request: BenchRequest): Promise<BenchResult>;
  /**
   * The export bundle (.zip) of a run's last checkpoint, as the page's Export button makes it;
   * base64, because a script reads it across the page boundary as a string.
   */
  exportRun(request: ExportRequest): Promise<{ fileName: string; base64: string; epoch: number }>;
  /**
   * Test hook: the page's training worker (the one the UI and the queue train in) fails as if
   * its backend had died, after `afterSteps` more steps of the run training now or the next.
   */
  injectFault(fault: BackendFault, afterSteps: number): void;
}

export interface AutomationOptions {
  /** The page's own training worker (store/run.ts), for injectFault. */
  pageWorker?: () => TrainerClient;
}

declare global {
  interface Window {
    cardinal?: CardinalAutomation;
  }
}

export function installAutomation(options: AutomationOptions = {}): CardinalAutomation {
  const cache = new DataCache();
  let client: TrainerClient | null = null;
  const worker = () => (client ??= new TrainerClient());
  let benches = 0;
  const api: CardinalAutomation = {
    version: 1,
    ensureDataset: (dataset, onProgress) =>
      ensureDataset(dataset, { cache, baseUrl: `${import.meta.env.BASE_URL}data`, onProgress }),
    listCached: () => cache.listCached(),
    train(config, onEvent) {
      const trainer = worker();
      return new Promise<FinalEvent>((resolve) => {
        const unsubscribe = trainer.subscribe((event) => {
          if (event.runId !== null && event.runId !== config.runId) return;
          onEvent?.(event);
          if (event.type === 'done' || event.type === 'error') {
            unsubscribe();
            resolve(event);
          }
        });
        trainer.send({ type: 'start', config, resume: false });
      });
    },
    stop: () => client?.send({ type: 'stop' }),
    bench(backend, request) {
      const trainer = worker();
      const runId = `bench-${++benches}-${Date.now().toString(36)}`;
      return new Promise<BenchResult>((resolve, reject) => {
        const unsubscribe = trainer.subscribe((event) => {
          if (event.runId !== null && event.runId !== runId) return;
          if (event.type === 'bench-result') {
            unsubscribe();
            resolve(event.result as BenchResult);
          } else if (event.type === 'error') {
            unsubscribe();
            reject(new Error(event.message));
          }
        });
        trainer.send({ type: 'bench', runId, backend, bench: request });
      });
    },
    injectFault: () => undefined,
    exportRun(request) {
      const trainer = worker();
      return new Promise((resolve, reject) => {
        const unsubscribe = trainer.subscribe((event) => {
          if (event.runId !== request.runId) return;
          if (event.type === 'export-ready') {
            unsubscribe();
            resolve({
              fileName: event.fileName,
              base64: toBase64(event.bytes),
              epoch: event.epoch,
            });
          } else if (event.type === 'export-failed' || event.type === 'error') {
            unsubscribe();
            reject(new Error(event.message));
          }
        });
        trainer.send({ type: 'export', request });
      });
    },
  };
  api.injectFault = (fault, afterSteps) =>
    (options.pageWorker?.() ?? worker()).send({ type: 'inject-fault', fault, afterSteps });
  window.cardinal = api;
  return api;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
