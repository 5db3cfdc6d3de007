// How long runs will take on this computer, from its measured speed: a few timed training steps
// of a small network (the calibration) and the img/s of every run it has trained, kept per
// backend and adapter. A plan's multiply-adds (demos.ts, planCost) divided by the multiply-add
// rate of the measured network closest in size gives the time. Pure functions; the page keeps
// the profiles (store/speed.ts).

import { analyze } from './analyze';
import { planCost, type CostedRun } from './demos';

export interface SpeedSample {
  /** Forward multiply-adds per image of the network measured. */
  macsPerImage: number;
  /** Training images per second it reached (train steps only). */
  imagesPerSecond: number;
  /** calibration: the timed steps; run: a run's measured speed. */
  source: 'calibration' | 'run';
  /** Date.now() of the measurement. */
  at: number;
}

export interface SpeedProfile {
  /** The backend and adapter the samples were measured on, e.g. "wasm", "WebAssembly + SIMD". */
  backend: string;
  adapter: string;
  samples: SpeedSample[];
}

/** Samples kept per profile: enough for a few network sizes, newest first. */
export const MAX_SAMPLES = 12;
/** Two networks within this ratio of multiply-adds count as the same size. */
const SAME_SIZE = 1.05;

/** The profile with `sample` added; it replaces older samples of a network of the same size. */
export function addSample(profile: SpeedProfile, sample: SpeedSample): SpeedProfile {
  const ratio = (s: SpeedSample) =>
    Math.max(s.macsPerImage, sample.macsPerImage) / Math.min(s.macsPerImage, sample.macsPerImage);
  const others = profile.samples.filter((s) => ratio(s) > SAME_SIZE);
  return { ...profile, samples: [sample, ...others].slice(0, MAX_SAMPLES) };
}

/** The sample of the network closest in size (by the ratio of their multiply-adds). */
export function closestSample(
  profile: SpeedProfile,
  macsPerImage: number,
): SpeedSample | undefined {
  let best: SpeedSample | undefined;
  let bestDistance = Infinity;
  for (const s of profile.samples) {
    const distance = Math.abs(Math.log(s.macsPerImage / macsPerImage));
    if (distance < bestDistance) [best, bestDistance] = [s, distance];
  }
  return best;
}

/** Training multiply-adds per second (forward + backward = 3× forward) a sample shows. */
export const trainingMacsPerSecond = (s: SpeedSample) => 3 * s.macsPerImage * s.imagesPerSecond;

/** Seconds the runs take one after another at the profile's speed; undefined without samples. */
export function estimateSeconds(
  runs: readonly CostedRun[],
  profile: SpeedProfile | undefined,
): number | undefined {
  if (!profile?.samples.length) return undefined;
  let seconds = 0;
  for (const run of runs) {
    const sample = closestSample(profile, analyze(run.spec).totals.macs)!;
    seconds += planCost({ runs: [run] }).macs / trainingMacsPerSecond(sample);
  }
  return seconds;
}
