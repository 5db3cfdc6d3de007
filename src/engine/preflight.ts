// Before a run trains: will its batch fit in the backend's memory? The estimate is
// spec/analyze.ts's trainingMemoryBytes, calibrated by what a step was measured to hold
// (memory.ts, `npm run bench -- --memory`); the budget is what the backend can address. When
// the batch does not fit, the plan first checkpoints each block (recompute.ts: same numbers,
// more time), then trains the batch as micro-batches with gradient accumulation (the optimizer
// still sees the recipe's batch; batch norm sees each micro-batch). When not even a micro-batch
// of MIN_MICRO_BATCH fits, the run is refused with the largest batch that would.

import * as tf from '@tensorflow/tfjs';
import { analyze, trainingMemoryBytes } from '../spec/analyze';
import type { ArchSpec, Recipe } from '../spec/types';
import { kernelMode } from './kernels';

/**
 * Bytes the backend really held per byte of the estimate with TF.js's own kernels, measured on
 * WASM (heap high-water after 2 steps ÷ trainingMemoryBytes with SGD+momentum, 2026-12-01,
 * `--kernels stock`, scratch of `measureTrainingMemory`): plain steps 2.19–2.46× (ResNet-20 bs
 * 32/128, ResNet-56 bs 128, resnext20_4x16d bs 32), checkpointed steps 1.66–1.73×. (6.0–7.2×
 * plain before the backward freed each gradient once used: gradients.ts.) Rounded up, so a
 * plan that fits leaves headroom. Also the default elsewhere (WebGPU: unmeasured).
 */
export const MEMORY_FACTOR = { plain: 3, recompute: 2 } as const;

/**
 * The same on WASM with Cardinal's kernels (kernels/wasmConv.ts, batchNormWasm.ts,
 * optimizerStepWasm.ts), which hold no per-op copies or composed intermediates: plain steps
 * 0.78–0.89× heap, 0.67–0.71× live tensor data (resnet20 bs 32/128, resnet56 bs 32/128,
 * resnext20_4x16d bs 32/128, resnet110 bs 64; 2026-12-01, `npm run bench -- --memory plain
 * --node`); checkpointed steps 0.34–0.67× heap. Rounded up as above.
 */
export const MEMORY_FACTOR_WASM_OURS = { plain: 1.1, recompute: 0.8 } as const;

export type MemoryFactors = { plain: number; recompute: number };

/** The smallest micro-batch the preflight will train with: below it batch norm is too noisy. */
export const MIN_MICRO_BATCH = 8;

/**
 * TF.js 4.22's WASM heap can grow to 4294901760 bytes (its maximum). Past about 3.4 GB growth
 * starts to fail on a fragmented heap in our measurements (ResNet-56 bs 64 trained at 2.82 GB),
 * so plans stay below this.
 */
export const WASM_BUDGET_BYTES = 3.4e9;

export interface MemoryBudget {
  /** Bytes a training step may hold in all; null when the backend does not say. */
  totalBytes: number | null;
  /** Bytes one tensor may hold (WebGPU: one storage buffer binding); null when unlimited. */
  tensorBytes: number | null;
  /** Where the figures come from, in words. */
  source: string;
  /** Bytes a step holds per byte of the estimate here; MEMORY_FACTOR when absent. */
  factors?: MemoryFactors;
}

export interface MemoryPlan {
  /** The recipe's batch: what the optimizer sees per step. */
  batch: number;
  /** Images per forward/backward; equal to batch when the batch trains whole. */
  microBatch: number;
  /** Whether blocks are checkpointed (recompute.ts). */
  recompute: boolean;
  /** trainingMemoryBytes for one micro-batch (SGD: 1 optimizer slot, Adam: 2). */
  estimateBytes: number;
  /** The calibrated need of the plan: estimate × the budget's factor (MEMORY_FACTOR by default). */
  needBytes: number;
  budget: MemoryBudget;
  /** What the page and the run record say when the plan is not the plain one; else null. */
  note: string | null;
}

/** Not even a micro-batch of MIN_MICRO_BATCH fits: the message names the largest batch that does. */
export class MemoryPreflightError extends Error {
  constructor(
    message: string,
    readonly largestBatch: number,
  ) {
    super(message);
    this.name = 'MemoryPreflightError';
  }
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** The largest activation tensor of one image, in bytes (a conv, BN or ReLU output). */
function largestActivationBytes(spec: ArchSpec): number {
  const { rows } = analyze(spec);
  return 4 * Math.max(...rows.map((r) => r.output[0] * r.output[1] * r.output[2]));
}

/** The plan for `recipe.batchSize` within `budget`; throws MemoryPreflightError when none fits. */
export function planMemory(
  spec: ArchSpec,
  recipe: Recipe,
  budget: MemoryBudget,
  maxMicroBatch = Infinity,
): MemoryPlan {
  const batch = recipe.batchSize;
  const slots = recipe.optimizer.kind === 'adamw' ? 2 : 1;
  const estimate = (n: number) => trainingMemoryBytes(spec, n, slots);
  const factors = budget.factors ?? MEMORY_FACTOR;
  const need = (n: number, recompute: boolean) =>
    estimate(n) * (recompute ? factors.recompute : factors.plain);
  const perImageTensor = largestActivationBytes(spec);
  const fits = (n: number, recompute: boolean) =>
    n <= maxMicroBatch &&
    (budget.totalBytes === null || need(n, recompute) <= budget.totalBytes) &&
    (budget.tensorBytes === null || n * perImageTensor <= budget.tensorBytes);
  const plan = (microBatch: number, recompute: boolean, note: string | null): MemoryPlan => ({
    batch,
    microBatch,
    recompute,
    estimateBytes: estimate(microBatch),
    needBytes: need(microBatch, recompute),
    budget,
    note,
  });
  if (fits(batch, false)) return plan(batch, false, null);
  const limit =
    maxMicroBatch < batch
      ? `after running out of memory, ≤ ${maxMicroBatch} images at once`
      : budget.totalBytes === null
        ? 'its largest buffer'
        : gb(budget.totalBytes);
  if (fits(batch, true)) {
    return plan(
      batch,
      true,
      `Batch ${batch} needs about ${gb(need(batch, false))} on this backend (limit ${limit}): ` +
        'each block is recomputed during the backward pass to fit (same results, slower steps).',
    );
  }
  let largest = batch - 1;
  while (largest > 0 && !fits(largest, true)) largest--;
  if (largest < Math.min(MIN_MICRO_BATCH, batch)) {
    throw new MemoryPreflightError(
      `Batch ${batch} cannot train on this backend (${budget.source}): even with each block ` +
        `recomputed it needs about ${gb(need(batch, true))}, and ` +
        (largest > 0
          ? `the largest batch that fits is ${largest}, below the smallest micro-batch of ` +
            `${MIN_MICRO_BATCH}. Pick a smaller network, or train on a backend with more memory.`
          : 'not even one image fits. Pick a smaller network, or another backend.'),
      largest,
    );
  }
  // Equal parts: ceil(batch / largest) micro-batches, none larger than what fits.
  const parts = Math.ceil(batch / largest);
  const microBatch = Math.ceil(batch / parts);
  return plan(
    microBatch,
    true,
    `Batch ${batch} does not fit on this backend (limit ${limit}): it trains as ${parts} ` +
      `micro-batches of ≤ ${microBatch} with gradient accumulation, so each optimizer step still ` +
      `sees ${batch} images; batch norm normalises with each micro-batch's statistics.`,
  );
}

/** What the current TF.js backend can hold (after initBackend). */
export function memoryBudget(): MemoryBudget {
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    return {
      totalBytes: WASM_BUDGET_BYTES,
      tensorBytes: null,
      source: `the WASM heap, usable to about ${gb(WASM_BUDGET_BYTES)}`,
      factors: kernelMode() === 'cardinal' ? MEMORY_FACTOR_WASM_OURS : MEMORY_FACTOR,
    };
  }
  const deviceMemory = (globalThis.navigator as { deviceMemory?: number } | undefined)
    ?.deviceMemory;
  // navigator.deviceMemory is the machine's RAM in GB, rounded and capped at 8 by browsers;
  // a GPU backend (and the CPU backend) can use at most about half of it for one tab.
  const totalBytes = deviceMemory ? (deviceMemory * 1e9) / 2 : null;
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    const limits = device?.limits;
    const tensorBytes = limits
      ? Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize)
      : null;
    return {
      totalBytes,
      tensorBytes,
      source:
        `WebGPU: one buffer ≤ ${tensorBytes === null ? '?' : gb(tensorBytes)}` +
        (totalBytes === null ? '' : `, half of the ${deviceMemory} GB the browser reports`),
    };
  }
  return {
    totalBytes,
    tensorBytes: null,
    source: totalBytes === null ? `${backend}: no limit known` : `${backend}: half of the RAM`,
  };
}
