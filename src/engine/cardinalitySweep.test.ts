import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bottleneckStage } from '../spec/presets';
import type { ArchSpec } from '../spec/types';
import { cardinalitySweep, sweepModes } from './cardinalitySweep';
import { kernelMode } from './kernels';

await tf.setBackend('cpu');

/** One small bottleneck stage: four train steps of it take a second on the cpu backend. */
const tiny: ArchSpec = {
  stem: { kind: 'cifar', channels: 8, dropout: 0 },
  stages: [bottleneckStage(1, 32, 8, 1, 2)],
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
};

describe('cardinality sweep', () => {
  it('names the kernel kinds of a choice, stock first', () => {
    expect(sweepModes('both')).toEqual(['stock', 'cardinal']);
    expect(sweepModes('cardinal')).toEqual(['cardinal']);
  });

  it('measures C = 1 first, both kernel kinds per arm, ratios to C = 1, and restores the mode', async () => {
    const before = kernelMode();
    const lines: string[] = [];
    const sweep = await cardinalitySweep(
      [2],
      { batch: 2, steps: 1, warmup: 0 },
      'both',
      tiny,
      (line) => lines.push(line),
    );
    expect(kernelMode()).toBe(before);
    expect(sweep.rows.map((r) => r.cardinality)).toEqual([1, 2]);
    expect(sweep.rows[0].stock?.relativeTime).toBe(1);
    expect(sweep.rows[0].cardinal?.relativeTime).toBe(1);
    expect(sweep.rows[1].d * 2).toBe(sweep.rows[1].width);
    expect(sweep.rows[1].macsRatio).toBeGreaterThan(0.9);
    expect(sweep.rows[1].macsRatio).toBeLessThan(1.1);
    expect(sweep.rows[1].cardinal?.kernels).toBe('cardinal');
    expect(sweep.rows[1].stock?.kernels).toBe('stock');
    // cpu: no WebGPU dispatches to count, TF.js kernel calls instead.
    expect(sweep.rows[1].stock?.relativeDispatches).toBeNull();
    expect(sweep.rows[1].stock?.relativeKernels).toBeGreaterThan(0);
    expect(sweep.summary).toHaveLength(4);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^C = 1 \(1×8d\), stock kernels: [\d.]+ ms\/step/);
  });
});
