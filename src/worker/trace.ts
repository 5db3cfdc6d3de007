// The worker's side of a training trace (npm run train --trace): the trainer's per-step hook
// posts one record per step, and the weights go out as safetensors before the first step,
// optionally after every step, and after the last one. The runner on the other end writes the
// trace folder (scripts/lib/trace.ts); the format is engine/trace.ts's.
import { version as cardinalVersion } from '../../package.json';
import { exportSafetensors, type ExportMeta } from '../engine/export/weights';
import type { Model } from '../engine/model';
import { traceRecord } from '../engine/trace';
import type { StepTrace } from '../engine/train';
import type { RunConfig, WorkerEvent } from './protocol';

export interface RunTracer {
  /** For createTrainer's onStep. */
  onStep(step: StepTrace): void;
  /** Before the first step: what the batches come from, then the initial weights. */
  start(model: Model, info: { stepsPerEpoch: number; trainImages: number }): Promise<void>;
  /** After each step: its weights when every step's are asked for. */
  afterStep(model: Model, step: number): Promise<void>;
  /** After the last step (also of a stopped run): the final weights. */
  finish(model: Model, step: number): Promise<void>;
}

export function createRunTracer(config: RunConfig, post: (event: WorkerEvent) => void): RunTracer {
  const { runId, spec, recipe, dataset } = config;
  const meta: ExportMeta = { dataset, recipe, epoch: 0, metrics: null, cardinalVersion };
  const weights = async (model: Model, step: number, which: 'initial' | 'step' | 'final') => {
    const bytes = await exportSafetensors(model, meta);
    post({ type: 'trace-weights', runId, which, step, bytes });
  };
  return {
    onStep: (s) => post({ type: 'trace-step', runId, record: traceRecord(s, spec, recipe) }),
    async start(model, info) {
      post({ type: 'trace-start', runId, ...info, cardinalVersion });
      await weights(model, 0, 'initial');
    },
    async afterStep(model, step) {
      if (config.trace?.stepWeights) await weights(model, step, 'step');
    },
    finish: (model, step) => weights(model, step, 'final'),
  };
}
