// What one training step costs, counted rather than timed: TF.js kernel calls, and on WebGPU
// the exact dispatches, uploads and readbacks (webgpu/gpuCounters.ts), the peak bytes of live
// tensors and the tensors left behind. Counting is cheap (a counter per kernel call), so the
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
  /** Most bytes held by live tensors at any moment of the step. */
  peakBytes: number;
  /** Tensors alive after the step minus before: 0 when a step cleans up after itself. */
  tensorsLeftPerStep: number;
  /** The most called kernels and their calls, most first (what the step spends itself on). */
  kernelMix: Record<string, number>;
}

interface KernelTally {
  calls: number;
  peakBytes: number;
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
    state: { numBytes: number };
  };
  const original = engine.runKernel.bind(engine);
  engine.runKernel = (name: string, inputs: unknown, attrs?: unknown) => {
    const result = original(name, inputs, attrs);
    if (tally) {
      tally.calls++;
      tally.byName.set(name, (tally.byName.get(name) ?? 0) + 1);
      tally.peakBytes = Math.max(tally.peakBytes, engine.state.numBytes);
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
  const mine: KernelTally = { calls: 0, peakBytes: tf.memory().numBytes, byName: new Map() };
  tally = mine;
  try {
    const { result, counts } = onGpu
      ? await countGpuWork(step)
      : { result: await step(), counts: null };
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
        peakBytes: mine.peakBytes,
        tensorsLeftPerStep: tf.memory().numTensors - tensorsBefore,
        kernelMix,
      },
    };
  } finally {
    tally = null;
  }
}
