// The one contract between the page and the training worker: every request the page sends and
// every event the worker emits, each a discriminated union on `type` (excalidraw-style). The
// worker imports nothing from store/ or ui/; the page talks to it only through client.ts.
import type { DatasetId } from '../data/cifar';
import type { BackendName } from '../engine/backends';
import type { BenchRequest } from '../engine/bench';
import type { BackendChoice } from '../engine/setBackend';
import type { InsideView } from '../engine/inspect';
import type { TraceRecord } from '../engine/trace';
import type { MemoryPlan } from '../engine/preflight';
import type { EpochMetrics } from '../engine/train';
import type { ArchSpec, Recipe } from '../spec/types';

export type { BackendChoice, EpochMetrics, InsideView, MemoryPlan };

export interface RunConfig {
  runId: string;
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  backend: BackendChoice;
  /** Use only the first N train / test records (demos, tests); 0 = all. */
  limitTrain: number;
  /** Also caps the held-out validation images evaluated each epoch. */
  limitTest: number;
  /**
   * Record a training trace (npm run train --trace): 'trace-*' events with every step's record
   * and the weights before the first step, after the last and, with stepWeights, after each.
   */
  trace?: { stepWeights: boolean };
  /**
   * At most this many images per forward (the preflight may choose fewer): set by the page's
   * recovery after the backend ran out of memory (store/recovery.ts).
   */
  maxMicroBatch?: number;
}

export type WorkerRequest =
  | {
      type: 'start';
      config: RunConfig;
      /** resume from this run's last checkpoint */ resume: boolean;
    }
  /**
   * Test hook: the training run fails as if the backend had died (a WASM abort, a lost GPU
   * device) after `afterSteps` more steps, so tests can check the page's recovery.
   */
  | { type: 'inject-fault'; fault: BackendFault; afterSteps: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Times training steps (npm run bench in the browser); answered by 'bench-result'. */
  | { type: 'bench'; runId: string; backend: BackendChoice; bench: BenchRequest }
  /**
   * This computer's speed for the time estimates: a few timed training steps of `spec` after
   * the queued exports and imports, before any run that starts later; answered by
   * 'calibration', or 'error' with this runId.
   */
  | {
      type: 'calibrate';
      runId: string;
      backend: BackendChoice;
      spec: ArchSpec;
      batch: number;
      steps: number;
      warmup: number;
    }
  /**
   * The PyTorch bundle (.zip) of a run's last checkpoint, also while the run trains (then the
   * weights are those of its last finished epoch); answered by 'export-ready' or
   * 'export-failed'. The page sends the run's config, which the checkpoint does not hold.
   */
  | { type: 'export'; request: ExportRequest }
  /**
   * Checks a .safetensors file (or an export .zip holding one), evaluates it on the cached
   * test split and stores it as the weights-only checkpoint of run `runId`; answered by
   * 'import-ready' or 'import-failed'. Nothing is stored when the file is refused.
   */
  | { type: 'import'; request: ImportRequest }
  /**
   * The inside views of a run for one test image: the live weights when the run is the one
   * training (looked at between two steps), otherwise its last checkpoint. Answered by
   * 'inspect-ready' or 'inspect-failed'.
   */
  | { type: 'inspect'; request: InspectRequest };

export interface ExportRequest {
  runId: string;
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  /** For the README and the file name, e.g. the preset's ("resnet20"). */
  name: string;
  /** Used when no run is training (a training run's backend is used otherwise). */
  backend: BackendChoice;
}

export interface ImportRequest {
  /** The id of the run that will show the imported weights (and own their checkpoint). */
  runId: string;
  fileName: string;
  /** The file's bytes (transferred). */
  bytes: Uint8Array;
  /** Used only when the file's metadata carries no spec; then the weights are checked against it. */
  spec: ArchSpec;
  /** Used when the metadata carries no recipe / dataset. */
  recipe: Recipe;
  dataset: DatasetId;
  backend: BackendChoice;
}

export interface InspectRequest {
  runId: string;
  spec: ArchSpec;
  dataset: DatasetId;
  /** Used when no run is training (a training run's backend is used otherwise). */
  backend: BackendChoice;
  /** Which image of the test split (the sample grid shows the first ones, in order). */
  imageIndex: number;
}

/** What an import found and measured; the page turns it into a RunRecord. */
export interface ImportedWeights {
  fileName: string;
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  /** Epochs completed according to the metadata (0 when it does not say). */
  epoch: number;
  /** Which of spec / recipe / dataset came from the file's metadata (the rest: the page's). */
  fromFile: { spec: boolean; recipe: boolean; dataset: boolean };
  /** The exporting Cardinal's version, when the file says. */
  cardinalVersion: string | null;
  /** The evaluation on the test split: testLoss, testAcc, perClassAcc (train fields NaN). */
  metrics: EpochMetrics;
  results: EpochResults;
  backend: BackendName;
  adapter: string;
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

export type BackendFault = 'wasm-abort' | 'device-lost';

/**
 * out-of-memory: the batch does not fit the backend (the preflight refused it). backend-lost:
 * the WASM module aborted or the GPU device was lost; the worker must be replaced.
 */
export type ErrorCode =
  | 'backend-unavailable'
  | 'backend-lost'
  | 'no-data'
  | 'busy'
  | 'diverged'
  | 'out-of-memory'
  | 'internal';

export type WorkerEvent =
  | { type: 'ready'; runId: string; backend: BackendName; adapter: string; why: string }
  /** The preflight's plan (preflight.ts): how the batch trains within the backend's memory. */
  | { type: 'memory-plan'; runId: string; plan: MemoryPlan }
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
  /** The epoch's training is over; its evaluation on the first `images` of `of` test images begins. */
  | { type: 'evaluating'; runId: string; images: number; of: number }
  | { type: 'epoch-end'; runId: string; metrics: EpochMetrics; results: EpochResults }
  | { type: 'checkpoint-saved'; runId: string; epoch: number }
  | { type: 'resumed-from'; runId: string; epoch: number; history: EpochMetrics[] }
  | { type: 'paused'; runId: string }
  | { type: 'done'; runId: string; stopped: boolean }
  | { type: 'bench-result'; runId: string; result: object }
  | {
      type: 'calibration';
      runId: string;
      backend: BackendName;
      adapter: string;
      imagesPerSecond: number;
      /** Forward multiply-adds per image of the network timed. */
      macsPerImage: number;
    }
  /** The bundle's bytes (transferred) and the epoch whose weights it holds. */
  | { type: 'export-ready'; runId: string; fileName: string; bytes: Uint8Array; epoch: number }
  | { type: 'export-failed'; runId: string; message: string }
  | { type: 'import-ready'; runId: string; imported: ImportedWeights }
  /** The file was refused (the reader's message) or could not be evaluated; nothing changed. */
  | { type: 'import-failed'; runId: string; message: string }
  /**
   * epoch: epochs of training behind the weights; fractional for a live look mid-epoch. label:
   * the image's true class. Typed arrays are transferred.
   */
  | {
      type: 'inspect-ready';
      runId: string;
      epoch: number;
      live: boolean;
      imageIndex: number;
      label: number;
      view: InsideView;
    }
  | { type: 'inspect-failed'; runId: string; imageIndex: number; message: string }
  | {
      type: 'error';
      runId: string | null;
      code: ErrorCode;
      message: string;
      /** backend-lost only: whether memory was the cause (an abort, a GPU out-of-memory). */
      memory?: boolean;
    }
  /** A traced run (RunConfig.trace) starts: what its batches are drawn from. */
  | {
      type: 'trace-start';
      runId: string;
      stepsPerEpoch: number;
      trainImages: number;
      cardinalVersion: string;
    }
  | { type: 'trace-step'; runId: string; record: TraceRecord }
  /** safetensors of the weights and buffers after `step` steps (0: before the first). */
  | {
      type: 'trace-weights';
      runId: string;
      which: 'initial' | 'step' | 'final';
      step: number;
      bytes: Uint8Array;
    };
