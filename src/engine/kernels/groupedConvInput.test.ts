import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countGpuWork } from '../webgpu/gpuCounters';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { convGeometry } from './lib/convProgram';
import {
  caseData,
  cpuReference,
  describeCase,
  drawConvCases,
  relativeError,
} from './lib/convTestCases';
import { groupedConvInputGrad, inputGradInvocations } from './groupedConvInput';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`groupedConvInput: WebGPU tests skipped: ${gpu.reason}`);

describe.skipIf(!gpu.available)('grouped conv input-gradient kernel (WebGPU)', () => {
  it.each(drawConvCases(1504, 6).map((c, i) => [describeCase(c), c, i] as const))(
    'equals the cpu backend: %s',
    async (_name, c, i) => {
      const data = caseData(c, 3000 + 10 * i);
      const expected = await cpuReference(c, data);
      const g = convGeometry(c.x, c.w, c.stride, c.pad, c.groups);
      const dy = tf.tensor4d(data.dy, [g.batch, g.outH, g.outW, g.outC]);
      const w = tf.tensor4d(data.w, c.w);
      const dx = groupedConvInputGrad(dy, w, c.x, c);
      const actual = (await dx.data()) as Float32Array;
      tf.dispose([dy, w, dx]);
      expect(relativeError(actual, expected.dx)).toBeLessThan(1e-4);
    },
  );

  it('is one dispatch whatever the number of groups, one thread per input pixel and block', async () => {
    for (const groups of [1, 8, 64]) {
      const dy = tf.randomNormal<tf.Rank.R4>([2, 5, 5, 64]);
      const w = tf.randomNormal<tf.Rank.R4>([3, 3, 64 / groups, 64]);
      await Promise.all([dy.data(), w.data()]);
      const { counts } = await countGpuWork(async () => {
        const dx = groupedConvInputGrad(dy, w, [2, 9, 9, 64], { stride: 2, pad: 1, groups });
        await dx.data();
        dx.dispose();
      });
      expect(counts.dispatches).toBe(1);
      tf.dispose([dy, w]);
    }
    const g = convGeometry([2, 9, 9, 64], [3, 3, 1, 64], 2, 1, 64);
    expect(inputGradInvocations(g)).toBe(2 * 9 * 9 * 64);
    const four = convGeometry([2, 9, 9, 64], [3, 3, 8, 64], 2, 1, 8);
    expect(inputGradInvocations(four)).toBe((2 * 9 * 9 * 64) / 4);
  });
});
