// The one contract between the page and the training worker: every request the page sends and
// every event the worker emits, each a discriminated union on `type` (excalidraw-style). The
// worker imports nothing from store/ or ui/; the page talks to it only through client.ts.
import type { DatasetId } from '../data/cifar';
import type { BackendName } from '../engine/backends';
import type { BenchRequest } from '../engine/bench';
import type { BackendChoice } from '../engine/setBackend';
import type { ArchSpec, Recipe } from '../spec/types';

export type { BackendChoice };

export interface RunConfig {
  runId: string;
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  backend: BackendChoice;
  /** Use only the first N train / test records (demos, tests); 0 = all. */
  limitTrain: number;
  limitTest: number;
}

export type WorkerRequest =
  | {
      type: 'start';
      config: RunConfig;
      /** resume from this run's last checkpoint */ resume: boolean;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Times training steps (npm run bench in the browser); answered by 'bench-result'. */
  | { type: 'bench'; runId: string; backend: BackendChoice; bench: BenchRequest };

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  valLoss?: number;
  valAcc?: number;
  perClassAcc: number[];
  seconds: number;
}

/**
 * no-data: the dataset is not cached; busy: a run is already training; diverged: the loss
 * became non-finite (the last checkpoint is kept); internal: anything else (a bug).
 */
/** What the page shows after an epoch: the confusion matrix and a grid of test images. */
export interface EpochResults {
  epoch: number;
  /** confusion[true][predicted] over the whole test split. */
  confusion: number[][];
  /** The first test images (CHW uint8, 3072 bytes each) with their true and predicted labels. */
  samples: { pixels: Uint8Array; labels: Uint8Array; predicted: Uint8Array };
}

export type ErrorCode = 'backend-unavailable' | 'no-data' | 'busy' | 'diverged' | 'internal';

export type WorkerEvent =
  | { type: 'ready'; runId: string; backend: BackendName; adapter: string; why: string }
  | {
      type: 'progress';
      runId: string;
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      accuracy: number;
      lr: number;
      imagesPerSecond: number;
      etaSeconds: number;
      /** Every step since the previous progress event (global step from 1), for the curves. */
      steps: { step: number; loss: number; lr: number }[];
    }
  | { type: 'epoch-end'; runId: string; metrics: EpochMetrics; results: EpochResults }
  | { type: 'checkpoint-saved'; runId: string; epoch: number }
  | { type: 'resumed-from'; runId: string; epoch: number; history: EpochMetrics[] }
  | { type: 'paused'; runId: string }
  | { type: 'done'; runId: string; stopped: boolean }
  | { type: 'bench-result'; runId: string; result: object }
  | { type: 'error'; runId: string | null; code: ErrorCode; message: string };
