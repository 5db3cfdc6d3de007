// Where a run's checkpoints live: IndexedDB, one record per run, replaced at every epoch end.
// A record holds the trainer's state and the per-epoch history, so a resumed run continues its
// curves where they stopped.
import { createStore, del, get, set } from 'idb-keyval';
import type { Checkpoint } from '../engine/checkpoint';
import type { EpochMetrics } from './protocol';

export interface SavedRun {
  runId: string;
  /** Epochs completed; training resumes at this epoch (0-based). */
  epoch: number;
  checkpoint: Checkpoint;
  history: EpochMetrics[];
  /**
   * Only the weights and batch-norm buffers count (imported weights): a run resumed from this
   * record starts the optimizer afresh, with the recipe's optimizer, at this epoch.
   */
  weightsOnly?: boolean;
}

const store = createStore('cardinal-checkpoints', 'runs');

export const saveCheckpoint = (run: SavedRun) => set(run.runId, run, store);
export const loadCheckpoint = (runId: string) => get<SavedRun>(runId, store);
export const deleteCheckpoint = (runId: string) => del(runId, store);
