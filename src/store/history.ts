// Run history in IndexedDB: every run with its spec, recipe, backend, curves and status, so an
// old run can be reopened and an interrupted one resumed after a reload.
import { createStore, del, entries, set } from 'idb-keyval';
import { networkName, type ArchSpec, type Recipe } from '../spec';
import type {
  EpochMetrics,
  EpochResults,
  ErrorCode,
  MemoryPlan,
  RunConfig,
} from '../worker/protocol';
import type { Recovery } from './recovery';

export type RunStatus = 'running' | 'paused' | 'done' | 'stopped' | 'error' | 'interrupted';

export interface LossPoint {
  /** Global step (1-based). */
  step: number;
  loss: number;
  lr: number;
}

export interface RunRecord {
  runId: string;
  createdAt: number;
  config: RunConfig;
  status: RunStatus;
  backend: string | null;
  adapter: string | null;
  epochs: EpochMetrics[];
  losses: LossPoint[];
  /** The latest epoch's confusion matrix and sample predictions. */
  results: EpochResults | null;
  error: string | null;
  /** The worker's kind of error ('diverged', 'no-data'…), when error is set. */
  errorCode?: ErrorCode;
  /** Training throughput so far (images per second of training steps, evaluation excluded). */
  imagesPerSecond?: number;
  /** Set on the run that shows imported weights (its checkpoint holds them, weights only). */
  imported?: ImportedRun;
  /** The preflight's plan: how the batch trained within the backend's memory (preflight.ts). */
  memory?: MemoryPlan;
  /** Backend losses the page recovered from by replacing the worker (recovery.ts). */
  recoveries?: Recovery[];
  /** After a memory failure: the batch the page offers to continue with. */
  smallerBatch?: number | null;
}

export interface ImportedRun {
  fileName: string;
  /** Epochs completed according to the file (0 when it does not say). */
  epoch: number;
  /** Which of spec / recipe / dataset the file's metadata gave (the rest were the page's). */
  fromFile: { spec: boolean; recipe: boolean; dataset: boolean };
  cardinalVersion: string | null;
}

/** Unique within this browser: time for order, a random tail for ids made in the same ms. */
export const newRunId = (prefix = 'run') =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

const store = createStore('cardinal-runs', 'runs');

export const saveRun = (run: RunRecord) => set(run.runId, run, store);
export const deleteRun = (runId: string) => del(runId, store);

/** Newest first. Runs that were training when the page went away come back as 'interrupted'. */
export async function loadRuns(): Promise<RunRecord[]> {
  const all = (await entries<string, RunRecord>(store)).map(([, run]) => run);
  return all
    .map((run) =>
      run.status === 'running' || run.status === 'paused'
        ? { ...run, status: 'interrupted' as const }
        : run,
    )
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** "ResNeXt-20 8×8d, 1 epoch, batch 32": the network by name (networkName), then the run's size. */
export function describeRun(spec: ArchSpec, recipe: Recipe): string {
  const epochs = `${recipe.epochs} epoch${recipe.epochs === 1 ? '' : 's'}`;
  return `${networkName(spec)}, ${epochs}, batch ${recipe.batchSize}`;
}

/** Keeps long loss curves light: beyond `max` points, every other old point is dropped. */
export function downsample(points: LossPoint[], max = 2000): LossPoint[] {
  if (points.length <= max) return points;
  const keepRecent = Math.floor(max / 2);
  const old = points.slice(0, points.length - keepRecent).filter((_, i) => i % 2 === 0);
  return [...old, ...points.slice(points.length - keepRecent)];
}
