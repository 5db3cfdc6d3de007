/// <reference types="vite/client" />
// The page's automation surface: a small typed API on `window.cardinal` for scripts that drive
// the built app in a headless browser (scripts/train.ts). It adds no logic of its own: the
// data layer's ensureDataset and the same TrainerClient and worker the UI uses.
//
//   await window.cardinal.ensureDataset('cifar10', (p) => …);   // server → IndexedDB
//   const last = await window.cardinal.train(config, (event) => …);  // 'done' or 'error'
//   window.cardinal.stop();                                       // ends the run after a step
import { DataCache, ensureDataset, type DataProgress, type DatasetId } from '../data';
import type { CachedDataset, Manifest } from '../data';
import { TrainerClient } from './client';
import type { RunConfig, WorkerEvent } from './protocol';

export type FinalEvent = Extract<WorkerEvent, { type: 'done' | 'error' }>;

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
}

declare global {
  interface Window {
    cardinal?: CardinalAutomation;
  }
}

export function installAutomation(): CardinalAutomation {
  const cache = new DataCache();
  let client: TrainerClient | null = null;
  const worker = () => (client ??= new TrainerClient());
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
  };
  window.cardinal = api;
  return api;
}
