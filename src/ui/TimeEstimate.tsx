// "Takes about N minutes on this computer (WASM, …)": the time a list of runs will take, from
// this computer's measured speed on the page's backend (store/speed.ts), or "measuring…" while
// the calibration runs. Used by the Learn demos and the cardinality study.
import { useEffect } from 'react';
import type { CostedRun } from '../spec/demos';
import { closestSample, estimateSeconds, trainingMacsPerSecond } from '../spec/timeEstimate';
import { analyze } from '../spec';
import { useRun } from '../store/run';
import { CALIBRATION, profileFor, useSpeed } from '../store/speed';
import { compact, grouped, roughDuration } from './format';

const BACKEND_NAMES: Record<string, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

export function TimeEstimate(props: {
  runs: readonly CostedRun[];
  testId: string;
  prefix?: string;
}) {
  const { runs, testId, prefix = 'Takes' } = props;
  const choice = useRun((s) => s.backend);
  const profile = useSpeed((s) => profileFor(s, choice));
  const measuring = useSpeed((s) => s.measuring);
  const failed = useSpeed((s) => s.failed);
  useEffect(() => useSpeed.getState().request(choice), [choice]);

  const seconds = estimateSeconds(runs, profile);
  if (seconds === undefined || !profile) {
    return (
      <span className="learn-takes muted" data-testid={testId} data-seconds="">
        {failed && !measuring
          ? `Time on this computer unknown: timing a few steps failed (${failed}).`
          : `Measuring this computer’s speed (a few training steps of ${CALIBRATION.preset} on ${choice})…`}
      </span>
    );
  }
  const where = `${BACKEND_NAMES[profile.backend] ?? profile.backend}, ${profile.adapter}`;
  const basis = [...new Set(runs.map((r) => closestSample(profile, analyze(r.spec).totals.macs)!))]
    .map(
      (s) =>
        `${compact(s.macsPerImage)} multiply-adds/image at ${s.imagesPerSecond.toFixed(1)} img/s ` +
        `(${s.source === 'run' ? 'a run' : 'timed steps'}, ${new Date(s.at).toLocaleString()}) → ` +
        `${compact(trainingMacsPerSecond(s))} training multiply-adds/s`,
    )
    .join('; ');
  const images = runs.reduce((n, r) => n + (r.limitTrain || 50_000) * r.recipe.epochs, 0);
  return (
    <span
      className="learn-takes"
      data-testid={testId}
      data-seconds={Math.round(seconds)}
      title={`${grouped(images)} training images in all. Measured on this computer: ${basis}. Runs update it.`}
    >
      {prefix} {roughDuration(seconds)} on this computer ({where}).
    </span>
  );
}
