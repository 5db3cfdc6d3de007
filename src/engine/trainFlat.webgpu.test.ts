// 200 training steps of a tiny network on WebGPU with our kernels: the number of live tensors
// and of live GPU buffers must stay flat (a leak of one tensor or buffer per step shows as
// 200). Runs in the 'webgpu' vitest project (dawn.node, SwiftShader where there is no GPU).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { presetRecipe } from '../spec/recipes';
import { CIFAR10_STATS } from './augment';
import { syntheticBatch } from './bench';
import { kernelMode } from './kernels';
import { basicStage } from './testSpecs';
import { createTrainer } from './train';
import { gpuCounts } from './webgpu/gpuCounters';
import { webgpuForTests } from './webgpu/webgpuForTests.node';
import type { ArchSpec } from '../spec/types';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`200-step WebGPU test skipped: ${gpu.reason}`);

const TINY: ArchSpec = {
  stem: { kind: 'cifar', channels: 4, dropout: 0 },
  // One block: 200 steps on SwiftShader must stay cheap (≈ 40 dispatches a step).
  stages: [basicStage(1, 4, 1)],
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
};

describe.skipIf(!gpu.available)('200 steps on WebGPU with our kernels', () => {
  it('keeps the tensor count and the GPU buffer count flat', { timeout: 600_000 }, async () => {
    expect(kernelMode()).toBe('cardinal');
    const recipe = { ...presetRecipe('quick')!, batchSize: 2, labelSmoothing: 0.1 };
    const trainer = createTrainer({ spec: TINY, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 1e6 });
    const batch = syntheticBatch(2, 10);
    const tensors: number[] = [];
    const buffers: number[] = [];
    for (let i = 0; i < 200; i++) {
      const result = await trainer.step(batch, 0, i);
      expect(Number.isFinite(result.loss)).toBe(true);
      tensors.push(tf.memory().numTensors);
      buffers.push(gpuCounts().liveBuffers);
    }
    // From step 5 on (shaders compiled, buffer pool warm) nothing grows.
    expect(new Set(tensors.slice(4)).size, `tensors: ${tensors.slice(0, 8)}…`).toBe(1);
    expect(Math.max(...buffers.slice(4)), `buffers: ${buffers.slice(0, 8)}…`).toBe(buffers[4]);
    trainer.dispose();
  });
});
