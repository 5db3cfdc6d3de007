import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { demoById, planCost } from './demos';
import { presetSpec } from './presets';
import { presetRecipe } from './recipes';
import {
  addSample,
  closestSample,
  estimateSeconds,
  MAX_SAMPLES,
  type SpeedProfile,
  type SpeedSample,
} from './timeEstimate';

const resnet8 = analyze(presetSpec('resnet8')!).totals.macs;
const resnet20 = analyze(presetSpec('resnet20')!).totals.macs;
const sample = (macsPerImage: number, imagesPerSecond: number, at = 0): SpeedSample => ({
  macsPerImage,
  imagesPerSecond,
  source: 'calibration',
  at,
});
const empty: SpeedProfile = { backend: 'wasm', adapter: 'WebAssembly + SIMD', samples: [] };

describe('time estimates from measured speed', () => {
  it('is undefined until something was measured', () => {
    expect(estimateSeconds(demoById('degradation')!.sizes.quick.runs, empty)).toBeUndefined();
  });

  it('a run of the measured network takes its images at the measured img/s (training) plus its evaluation', () => {
    const profile = addSample(empty, sample(resnet8, 100));
    const run = { spec: presetSpec('resnet8')!, recipe: { epochs: 2 }, limitTrain: 5000 };
    // 2 epochs × 5,000 images at 100 img/s = 100 s of training; evaluation is a forward pass, a
    // third of a training image each: the first 1,000 test images after epoch 1, all 10,000
    // after the last (the final figure is on the whole split).
    expect(estimateSeconds([run], profile)).toBeCloseTo(100 + 11_000 / 300, 6);
  });

  it('scales by multiply-adds from the closest measured network', () => {
    const profile = addSample(addSample(empty, sample(resnet8, 90)), sample(resnet20, 30));
    expect(closestSample(profile, resnet20 * 1.2)?.imagesPerSecond).toBe(30);
    expect(closestSample(profile, resnet8 * 0.9)?.imagesPerSecond).toBe(90);
    const runs = demoById('degradation')!.sizes.quick.runs;
    const { macs } = planCost({ runs });
    // Every degradation net (20 or 56 layers) is closer to ResNet-20 than to ResNet-8.
    expect(estimateSeconds(runs, profile)).toBeCloseTo(macs / (3 * resnet20 * 30), 6);
  });

  it('a new measurement of the same network replaces the old one; at most MAX_SAMPLES kept', () => {
    let profile = addSample(empty, sample(resnet8, 50, 1));
    profile = addSample(profile, { ...sample(resnet8 * 1.01, 70, 2), source: 'run' });
    expect(profile.samples).toHaveLength(1);
    expect(profile.samples[0]).toMatchObject({ imagesPerSecond: 70, source: 'run' });
    for (let i = 0; i < 20; i++) profile = addSample(profile, sample(1e6 * 1.1 ** i, 10, i));
    expect(profile.samples).toHaveLength(MAX_SAMPLES);
    expect(profile.samples[0].at).toBe(19);
  });

  it('a longer run takes longer: epochs and images count', () => {
    const profile = addSample(empty, sample(resnet20, 30));
    const base = {
      spec: presetSpec('resnet20')!,
      recipe: presetRecipe('quick')!,
      limitTrain: 1000,
    };
    const short = estimateSeconds([{ ...base, recipe: { epochs: 1 } }], profile)!;
    const long = estimateSeconds([{ ...base, recipe: { epochs: 3 }, limitTrain: 5000 }], profile)!;
    // At 30 img/s a training image takes 1/30 s, an evaluated one 1/90 s; each run ends by
    // evaluating all 10,000 test images, the earlier epochs their first 1,000.
    expect(short).toBeCloseTo(1000 / 30 + 10_000 / 90, 6);
    expect(long).toBeCloseTo((3 * 5000) / 30 + (2 * 1000 + 10_000) / 90, 6);
  });
});
