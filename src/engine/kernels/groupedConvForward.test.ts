import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { countGpuWork } from '../webgpu/gpuCounters';
import { convGeometry } from './lib/convProgram';
import {
  caseData,
  cpuReference,
  describeCase,
  drawConvCases,
  relativeError,
} from './lib/convTestCases';
import { forwardInvocations, groupedConvForward } from './groupedConvForward';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`groupedConvForward: WebGPU tests skipped: ${gpu.reason}`);

describe.skipIf(!gpu.available)('grouped conv forward kernel (WebGPU)', () => {
  const cases = drawConvCases(1501, 8);
  it.each(cases.map((c, i) => [describeCase(c), c, i] as const))(
    'equals the cpu backend: %s',
    async (_name, c, i) => {
      const data = caseData(c, 100 * i);
      const expected = await cpuReference(c, data);
      const x = tf.tensor4d(data.x, c.x);
      const w = tf.tensor4d(data.w, c.w);
      const y = groupedConvForward(x, w, c);
      const actual = (await y.data()) as Float32Array;
      tf.dispose([x, w, y]);
      expect(relativeError(actual, expected.y)).toBeLessThan(1e-4);
    },
  );

  it('is one dispatch whatever the number of groups', async () => {
    for (const groups of [1, 8, 64]) {
      const x = tf.randomNormal<tf.Rank.R4>([2, 9, 9, 64]);
      const w = tf.randomNormal<tf.Rank.R4>([3, 3, 64 / groups, 64]);
      await Promise.all([x.data(), w.data()]);
      const { counts } = await countGpuWork(async () => {
        const y = groupedConvForward(x, w, { stride: 1, pad: 1, groups });
        await y.data();
        y.dispose();
      });
      expect(counts.dispatches).toBe(1);
      tf.dispose([x, w]);
    }
  });

  it('counts one invocation per output pixel and block of 4 channels, or the most up to 8 that divide a group', () => {
    const g = convGeometry([2, 9, 9, 64], [3, 3, 4, 64], 2, 1, 16);
    expect(forwardInvocations(g)).toBe((2 * 5 * 5 * 64) / 4);
    const pairs = convGeometry([1, 5, 5, 6], [1, 1, 2, 6], 1, 0, 3);
    expect(forwardInvocations(pairs)).toBe((5 * 5 * 6) / 2);
    const odd = convGeometry([1, 5, 5, 9], [1, 1, 3, 9], 1, 0, 3);
    expect(forwardInvocations(odd)).toBe((5 * 5 * 9) / 3);
    const resnext = convGeometry([1, 8, 8, 112], [3, 3, 14, 112], 1, 1, 8);
    expect(forwardInvocations(resnext)).toBe((8 * 8 * 112) / 7);
    const prime = convGeometry([1, 5, 5, 26], [1, 1, 13, 26], 1, 0, 2);
    expect(forwardInvocations(prime)).toBe(5 * 5 * 26);
  });
});
