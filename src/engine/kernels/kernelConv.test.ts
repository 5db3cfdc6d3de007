import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countGpuWork } from '../webgpu/gpuCounters';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import {
  describeCase,
  drawConvCases,
  expectOursMatchCpu,
  relativeError,
  WIDE_BLOCK_CASES,
} from './lib/convTestCases';
import { kernelConv2d } from './kernelConv';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`kernelConv: WebGPU tests skipped: ${gpu.reason}`);

describe.skipIf(!gpu.available)('conv with our kernels: value and both gradients (WebGPU)', () => {
  const cases = [...drawConvCases(1502, 8), ...WIDE_BLOCK_CASES];
  it.each(cases.map((c, i) => [describeCase(c), c, i] as const))(
    'equals the cpu backend: %s',
    async (_name, c, i) => expectOursMatchCpu(c, 1000 + 10 * i, 1e-4),
  );

  it('on the image (no input gradient): the same filter gradient without the input gradient’s dispatches', async () => {
    const x = tf.randomNormal<tf.Rank.R4>([4, 8, 8, 3]);
    const w = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 16]);
    await Promise.all([x.data(), w.data()]);
    const attrs = { stride: 1, pad: 1, groups: 1 };
    const filterGrad = (differentiateInput: boolean) =>
      countGpuWork(async () => {
        const { grads } = tf.variableGrads(
          () => tf.sum(kernelConv2d(x, v, attrs, differentiateInput)) as tf.Scalar,
          [v],
        );
        const dw = await grads[v.name].data();
        tf.dispose(grads);
        return dw as Float32Array;
      });
    const v = tf.variable(w);
    const full = await filterGrad(true);
    const imageOnly = await filterGrad(false);
    expect(relativeError(imageOnly.result, full.result)).toBe(0);
    expect(imageOnly.counts.dispatches).toBeLessThan(full.counts.dispatches);
    tf.dispose([x, w, v]);
  });

  it('takes the same number of dispatches for 1, 8 and 64 groups (forward and both gradients)', async () => {
    const dispatches: number[] = [];
    for (const groups of [1, 8, 64]) {
      const x = tf.randomNormal<tf.Rank.R4>([2, 9, 9, 64]);
      const w = tf.randomNormal<tf.Rank.R4>([3, 3, 64 / groups, 64]);
      await Promise.all([x.data(), w.data()]);
      const { counts } = await countGpuWork(async () => {
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(kernelConv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride: 1, pad: 1, groups })),
        )([x, w]);
        await Promise.all([dx.data(), dw.data()]);
        tf.dispose([dx, dw]);
      });
      dispatches.push(counts.dispatches);
      tf.dispose([x, w]);
    }
    // Groups > 1 use our forward and input gradient; a dense conv uses TF.js's, which may take
    // different helper dispatches, so only the grouped counts must be identical.
    expect(dispatches[1]).toBe(dispatches[2]);
    expect(dispatches[1]).toBeLessThanOrEqual(dispatches[0] + 2);
  });
});
