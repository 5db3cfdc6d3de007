// What a training step really holds in memory, measured on the backend that runs it: the
// WASM module's heap (its linear memory only grows, so its size is the high-water mark of
// everything XNNPACK and the tensors ever needed at once) and the peak of live tensor data
// (peakDataBytes: distinct buffers, on any backend). Compared with spec/analyze.ts's trainingMemoryBytes estimate, these are
// what the preflight (preflight.ts) is calibrated from, and what `npm run bench -- --memory`
// reports for each network and batch.

import * as tf from '@tensorflow/tfjs';
import { trainingMemoryBytes } from '../spec/analyze';
import { presetRecipe } from '../spec/recipes';
import type { ArchSpec } from '../spec/types';
import { CIFAR10_STATS } from './augment';
import { syntheticBatch } from './bench';
import { peakDataBytes } from './stepCounters';
import { createTrainer } from './train';

/** The WASM backend's module, as far as this file reads it. */
interface WasmModuleView {
  HEAPU8?: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
}

/** The WASM module's heap size in bytes now, or null on another backend. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: WasmModuleView }).wasm;
  // After an abort the module's HEAPU8 view can be detached; the Memory object still answers.
  return wasm?.wasmMemory?.buffer.byteLength ?? wasm?.HEAPU8?.length ?? null;
}

export interface StepMemory {
  /** 1-based step. */
  step: number;
  /** The largest total of live tensor data during the step (peakDataBytes). */
  peakTensorBytes: number;
  /** The WASM heap after the step (null off WASM). */
  heapBytes: number | null;
  ms: number;
}

export interface TrainingMemory {
  batch: number;
  /** Images per forward/backward (micro-batches with gradient accumulation when < batch). */
  microBatch: number;
  /** Whether blocks were checkpointed (recompute.ts). */
  recompute: boolean;
  /** trainingMemoryBytes(spec, batch, 1): SGD with momentum, as the bench's recipe. */
  estimateBytes: number;
  /** The WASM heap before the trainer was built (TF.js's own start-up allocations). */
  heapBeforeBytes: number | null;
  steps: StepMemory[];
  /** Largest of the steps' peakTensorBytes, and ÷ the estimate. */
  peakTensorBytes: number;
  tensorRatio: number;
  /** The heap after the last step (its high-water mark), and ÷ the estimate. */
  heapBytes: number | null;
  heapRatio: number | null;
  /** Set when a step failed: its message, and the heap the module had reached then. */
  failed?: { step: number; message: string; heapBytes: number | null };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * Builds the network, trains `steps` steps on a synthetic batch (the quick recipe: SGD with
 * momentum, no augmentation) and records each step's memory.
 * A step that throws (a WASM abort) ends the measurement with `failed` set rather than
 * throwing: the heap at the crash is the figure that says why it crashed.
 */
export async function measureTrainingMemory(
  spec: ArchSpec,
  batch: number,
  steps = 2,
  { recompute = false, microBatch = batch }: { recompute?: boolean; microBatch?: number } = {},
): Promise<TrainingMemory> {
  // The estimate of what one forward/backward holds: one micro-batch's.
  const estimateBytes = trainingMemoryBytes(spec, Math.min(batch, microBatch), 1);
  const heapBeforeBytes = wasmHeapBytes();
  // The quick recipe trains without augmentation: the figure is the network's alone.
  const recipe = { ...presetRecipe('quick')!, batchSize: batch };
  const data = syntheticBatch(batch, spec.classes);
  const records: StepMemory[] = [];
  let failed: TrainingMemory['failed'];
  let trainer: ReturnType<typeof createTrainer> | undefined;
  try {
    trainer = createTrainer({
      spec,
      recipe,
      stats: CIFAR10_STATS,
      stepsPerEpoch: 1e6,
      recompute,
      microBatch,
    });
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      const { peak: peakTensorBytes } = await peakDataBytes(() => trainer!.step(data, 0, i));
      records.push({
        step: i + 1,
        peakTensorBytes,
        heapBytes: wasmHeapBytes(),
        ms: round(performance.now() - start, 0),
      });
    }
  } catch (error) {
    failed = {
      step: records.length + 1,
      message: error instanceof Error ? error.message : String(error),
      heapBytes: wasmHeapBytes(),
    };
  } finally {
    try {
      trainer?.dispose();
    } catch {
      // An aborted module cannot free anything; the figures above are what matters.
    }
  }
  const peakTensorBytes = Math.max(0, ...records.map((r) => r.peakTensorBytes));
  const heapBytes = failed?.heapBytes ?? records.at(-1)?.heapBytes ?? null;
  return {
    batch,
    microBatch: Math.min(batch, microBatch),
    recompute,
    estimateBytes,
    heapBeforeBytes,
    steps: records,
    peakTensorBytes,
    tensorRatio: round(peakTensorBytes / estimateBytes),
    heapBytes,
    heapRatio: heapBytes === null ? null : round(heapBytes / estimateBytes),
    ...(failed ? { failed } : {}),
  };
}
