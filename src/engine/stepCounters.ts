// What one training step costs, counted rather than timed: TF.js kernel calls, and on WebGPU
// the exact dispatches, uploads and readbacks (webgpu/gpuCounters.ts), the peak bytes of live
// tensor data and the tensors left behind. Counting is cheap (a counter per kernel call), so the
// bench counts every timed step instead of running an extra profiled one: tf.profile would
// time each kernel, which on WebGPU adds queries and readbacks of its own.

import * as tf from '@tensorflow/tfjs';
import { countGpuWork, installGpuCounters } from './webgpu/gpuCounters';

export interface StepCounts {
  /** TF.js kernel calls (engine.runKernel), as tf.profile lists them; views included. */
  kernelsPerStep: number;
  /** WebGPU only (null elsewhere): dispatchWorkgroups calls. */
  dispatchesPerStep: number | null;
  /** WebGPU only: host → device copies of data (uniform writes not included). */
  uploadsPerStep: number | null;
  /** WebGPU only: device → host copies. */
  readbacksPerStep: number | null;
  /** Most bytes of tensor data live at any moment of the step (peakDataBytes). */
  peakBytes: number;
  /** Tensors alive after the step minus before: 0 when a step cleans up after itself. */
  tensorsLeftPerStep: number;
  /** The most called kernels and their calls, most first (what the step spends itself on). */
  kernelMix: Record<string, number>;
}

/** The parts of tfjs-core's Engine peakDataBytes reads and wraps (private in its typings). */
interface EngineBookkeeping {
  state: { tensorInfo: WeakMap<object, { bytes: number }> };
  trackTensor(tensor: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
}

/**
 * The largest total of distinct tensor data buffers live at once while `run` runs. Why not tf.profile's peakBytes: it adds up tensors, and an
 * alias (a reshape, the clone a gradient tape saves) shares its source's buffer, so a step
 * counted there holds about twice the memory it really does. Counted where the engine records
 * a buffer's first tensor and its removal.
 */
export async function peakDataBytes<T>(
  run: () => Promise<T>,
): Promise<{ result: T; peak: number }> {
  const engine = tf.engine() as unknown as EngineBookkeeping;
  const buffers = engine.state.tensorInfo;
  const { trackTensor, removeDataId } = engine;
  // The buffers live before (a WeakMap: not listed) as tf.memory counts them: between steps
  // they are the weights and the optimizer's slots, which nothing aliases.
  let live = tf.memory().numBytes;
  let peak = live;
  engine.trackTensor = (tensor, backend) => {
    const isNew = !buffers.has(tensor.dataId);
    trackTensor.call(engine, tensor, backend);
    const info = isNew ? buffers.get(tensor.dataId) : undefined;
    if (info) peak = Math.max(peak, (live += info.bytes));
  };
  engine.removeDataId = (dataId, backend) => {
    const info = buffers.get(dataId);
    removeDataId.call(engine, dataId, backend);
    if (info && !buffers.has(dataId)) live -= info.bytes;
  };
  try {
    const result = await run();
    return { result, peak };
  } finally {
    engine.trackTensor = trackTensor;
    engine.removeDataId = removeDataId;
  }
}

interface KernelTally {
  calls: number;
  byName: Map<string, number>;
}

let tally: KernelTally | null = null;
let hooked = false;

/** Wraps the engine's runKernel once; it counts only while a step is being measured. */
function hookKernelCalls(): void {
  if (hooked) return;
  hooked = true;
  const engine = tf.engine() as unknown as {
    runKernel(name: string, inputs: unknown, attrs?: unknown): unknown;
  };
  const original = engine.runKernel.bind(engine);
  engine.runKernel = (name: string, inputs: unknown, attrs?: unknown) => {
    const result = original(name, inputs, attrs);
    if (tally) {
      tally.calls++;
      tally.byName.set(name, (tally.byName.get(name) ?? 0) + 1);
    }
    return result;
  };
}

const MIX_ENTRIES = 12;

/** Runs one step and counts what it cost. Steps must not overlap. */
export async function countStep<T>(step: () => Promise<T>): Promise<{
  result: T;
  counts: StepCounts;
}> {
  hookKernelCalls();
  const onGpu = tf.getBackend() === 'webgpu' && installGpuCounters();
  const tensorsBefore = tf.memory().numTensors;
  const mine: KernelTally = { calls: 0, byName: new Map() };
  tally = mine;
  try {
    let peakBytes = 0;
    const measured = () =>
      peakDataBytes(step).then(({ result, peak }) => ((peakBytes = peak), result));
    const { result, counts } = onGpu
      ? await countGpuWork(measured)
      : { result: await measured(), counts: null };
    const kernelMix = Object.fromEntries(
      [...mine.byName].sort((a, b) => b[1] - a[1]).slice(0, MIX_ENTRIES),
    );
    return {
      result,
      counts: {
        kernelsPerStep: mine.calls,
        dispatchesPerStep: counts?.dispatches ?? null,
        uploadsPerStep: counts?.uploads ?? null,
        readbacksPerStep: counts?.readbacks ?? null,
        peakBytes,
        tensorsLeftPerStep: tf.memory().numTensors - tensorsBefore,
        kernelMix,
      },
    };
  } finally {
    tally = null;
  }
}
