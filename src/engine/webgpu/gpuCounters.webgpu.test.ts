import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countGpuWork, gpuCounts } from './gpuCounters';
import { webgpuForTests } from './webgpuForTests.node';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`gpuCounters: WebGPU tests skipped: ${gpu.reason}`);

describe.skipIf(!gpu.available)('GPU counters on WebGPU in Node', () => {
  it('counts one dispatch per elementwise op, the upload of its input and one readback', async () => {
    const x = tf.tensor1d([1, -2, 3, -4]);
    await x.data(); // upload outside the counted work
    const { result, counts } = await countGpuWork(async () => {
      const y = tf.relu(tf.mul(x, 2));
      const values = await y.data();
      return Array.from(values);
    });
    expect(result).toEqual([2, 0, 6, 0]);
    expect(counts.dispatches).toBe(2);
    expect(counts.readbacks).toBe(1);
    tf.dispose(x);
  });

  it('counts the upload of new host data once, and no upload for data already on the GPU', async () => {
    const t = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const first = await countGpuWork(() => tf.add(t, t).data());
    expect(first.counts.uploads).toBe(1);
    const second = await countGpuWork(() => tf.add(t, t).data());
    expect(second.counts.uploads).toBe(0);
    expect(second.counts.dispatches).toBe(1);
    tf.dispose(t);
  });

  it('keeps the live buffer count flat over repeated work', async () => {
    const x = tf.randomNormal([64, 64]);
    const step = async () => {
      const total = tf.tidy(() => tf.matMul(x, x).sum());
      await total.data();
      total.dispose();
    };
    await step();
    const before = gpuCounts().liveBuffers;
    for (let i = 0; i < 20; i++) await step();
    expect(gpuCounts().liveBuffers).toBe(before);
    tf.dispose(x);
  });
});
