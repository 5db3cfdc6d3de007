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
import { convFilterGrad, filterGradPlan, MIN_CHUNK } from './convFilterGrad';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`convFilterGrad: WebGPU tests skipped: ${gpu.reason}`);

describe('filter gradient plan (split-K geometry)', () => {
  it('gives ResNet-20 convs at batch 128 at least 32,768 threads, where TF.js gives one per weight', () => {
    // conv1 3→16 on 32×32, and the stage convs 16/32/64 on 32/16/8.
    const convs = [
      convGeometry([128, 32, 32, 3], [3, 3, 3, 16], 1, 1, 1),
      convGeometry([128, 32, 32, 16], [3, 3, 16, 16], 1, 1, 1),
      convGeometry([128, 32, 32, 16], [3, 3, 16, 32], 2, 1, 1),
      convGeometry([128, 8, 8, 64], [3, 3, 64, 64], 1, 1, 1),
    ];
    for (const g of convs) {
      const plan = filterGradPlan(g);
      expect(plan.invocations).toBeGreaterThanOrEqual(32_768);
      expect(plan.splits * plan.chunk).toBeGreaterThanOrEqual(plan.reduction);
      expect((plan.splits - 1) * plan.chunk).toBeLessThan(plan.reduction);
      expect(plan.dispatched % 64).toBe(0);
    }
  });

  it('keeps at least MIN_CHUNK pixels per chunk, and one split for a tiny reduction', () => {
    const tiny = filterGradPlan(convGeometry([1, 3, 3, 4], [3, 3, 4, 4], 1, 1, 1));
    expect(tiny.splits).toBe(1);
    const g = convGeometry([4, 16, 16, 8], [1, 1, 8, 8], 1, 0, 1);
    const plan = filterGradPlan(g);
    expect(plan.chunk).toBeGreaterThanOrEqual(MIN_CHUNK);
    expect(plan.invocations).toBe((plan.splits * 8 * 8) / 4);
  });
});

describe.skipIf(!gpu.available)('filter gradient kernel (WebGPU)', () => {
  it.each(drawConvCases(1503, 8).map((c, i) => [describeCase(c), c, i] as const))(
    'equals the cpu backend: %s',
    async (_name, c, i) => {
      const data = caseData(c, 2000 + 10 * i);
      const expected = await cpuReference(c, data);
      const x = tf.tensor4d(data.x, c.x);
      const dy = tf.tensor4d(data.dy, [c.x[0], ...expectedOut(c)] as [
        number,
        number,
        number,
        number,
      ]);
      const dw = convFilterGrad(x, dy, c.w, c);
      const actual = (await dw.data()) as Float32Array;
      tf.dispose([x, dy, dw]);
      expect(relativeError(actual, expected.dw)).toBeLessThan(1e-4);
    },
  );

  it('is two dispatches (partial sums, then their sum) and leaves no buffer behind', async () => {
    const x = tf.randomNormal<tf.Rank.R4>([4, 9, 9, 16]);
    const dy = tf.randomNormal<tf.Rank.R4>([4, 9, 9, 32]);
    await Promise.all([x.data(), dy.data()]);
    const run = async () => {
      const dw = convFilterGrad(x, dy, [3, 3, 4, 32], { stride: 1, pad: 1, groups: 4 });
      await dw.data();
      dw.dispose();
    };
    await run();
    const { counts } = await countGpuWork(run);
    expect(counts.dispatches).toBe(2);
    expect(tf.memory().numTensors).toBe(2);
    tf.dispose([x, dy]);
  });
});

function expectedOut(c: { x: number[]; w: number[]; stride: number; pad: number; groups: number }) {
  const g = convGeometry(
    c.x as [number, number, number, number],
    c.w as [number, number, number, number],
    c.stride,
    c.pad,
    c.groups,
  );
  return [g.outH, g.outW, g.outC];
}
