import { describe, expect, it } from 'vitest';
import { downsample, type LossPoint } from './history';

const points = (n: number): LossPoint[] =>
  Array.from({ length: n }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), lr: 0.1 }));

describe('downsample', () => {
  it('keeps short curves whole', () => {
    expect(downsample(points(50), 100)).toHaveLength(50);
  });

  it('thins only the old half of a long curve, keeping its first and recent points', () => {
    const thinned = downsample(points(101), 100);
    expect(thinned.length).toBeLessThan(80);
    expect(thinned[0].step).toBe(1);
    expect(thinned.slice(-50).map((p) => p.step)).toEqual(
      points(101)
        .slice(-50)
        .map((p) => p.step),
    );
    const steps = thinned.map((p) => p.step);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });

  it('stays bounded however long a run grows, appending a point at a time', () => {
    let curve: LossPoint[] = [];
    for (const p of points(10_000)) curve = downsample([...curve, p], 200);
    expect(curve.length).toBeLessThanOrEqual(200);
    expect(curve[curve.length - 1].step).toBe(10_000);
  });
});
