// Training traces on the Node side: writing a trace folder (npm run train --trace and the
// parity test both use it), and tracing a run in Node with the engine's own trainer, the way
// the worker's run loop (src/worker/run.ts) drives it. What the files hold: src/engine/trace.ts
// and the README ("Training traces").

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createBatchSource,
  sliceSplit,
  splitValidation,
  type DataSplit,
} from '../../src/data/batches';
import type { DatasetId } from '../../src/data/cifar';
import { pytorchModelSource } from '../../src/engine/export/pytorchModel';
import { trainScriptSource } from '../../src/engine/export/trainScript';
import { exportSafetensors, statsFor, type ExportMeta } from '../../src/engine/export/weights';
import { traceRecord, traceRun, type TraceRecord, type TraceRun } from '../../src/engine/trace';
import { createTrainer } from '../../src/engine/train';
import type { ArchSpec, Recipe } from '../../src/spec/types';
import type { WorkerEvent } from '../../src/worker/protocol';

/** Everything a trace folder holds, in memory. */
export interface TraceOutput {
  run: TraceRun;
  records: TraceRecord[];
  /** safetensors of the weights and buffers before the first step and after the last. */
  initial: Uint8Array;
  final: Uint8Array;
  /** With --trace-steps: the weights and buffers after every step (steps/NNNNNN.safetensors). */
  steps?: Uint8Array[];
}

/** steps/000001.safetensors …: the state after each step, for replay.py --lockstep. */
export const stepFile = (step: number) =>
  join('steps', `${String(step).padStart(6, '0')}.safetensors`);

/**
 * Writes DIR/initial.safetensors, trace.jsonl, final.safetensors and run.json, and beside them
 * the export's model.py and train.py for the run's spec and recipe, which scripts/replay.py
 * builds the network and the optimizer from.
 */
export async function writeTraceDir(dir: string, trace: TraceOutput): Promise<void> {
  const { run } = trace;
  await mkdir(dir, { recursive: true });
  if (trace.steps) {
    await mkdir(join(dir, 'steps'), { recursive: true });
    for (const [i, bytes] of trace.steps.entries())
      await writeFile(join(dir, stepFile(i + 1)), bytes);
  }
  const lines = trace.records.map((r) => JSON.stringify(r)).join('\n');
  const model = pytorchModelSource(run.spec, { cardinalVersion: run.cardinalVersion });
  const train = trainScriptSource({
    spec: run.spec,
    recipe: run.recipe,
    dataset: run.dataset,
    stats: run.stats,
    epoch: 0,
    cardinalVersion: run.cardinalVersion,
  });
  await Promise.all([
    writeFile(join(dir, 'initial.safetensors'), trace.initial),
    writeFile(join(dir, 'final.safetensors'), trace.final),
    writeFile(join(dir, 'trace.jsonl'), lines ? `${lines}\n` : ''),
    writeFile(join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`),
    writeFile(join(dir, 'model.py'), model),
    writeFile(join(dir, 'train.py'), train),
  ]);
}

export interface NodeTraceOptions {
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  /** The dataset's whole train split; the recipe's validation split and limitTrain apply. */
  train: DataSplit;
  /** First N train images (after the validation split), as npm run train's --limit-train. */
  limitTrain: number;
  /** Stop after this many steps (0: the recipe's epochs). */
  maxSteps?: number;
  /** Keep the weights after every step too (replay.py --lockstep). */
  stepWeights?: boolean;
  /** The TF.js backend already initialised (tf.getBackend()), for run.json. */
  backend: string;
  cardinalVersion: string;
}

/**
 * Trains with createTrainer on the current TF.js backend, one epoch loop as the worker's
 * (createBatchSource's seeded order, trainer.step(batch, epoch, batch.index)), and records
 * every step through the trainer's onStep hook.
 */
export async function traceInNode(o: NodeTraceOptions): Promise<TraceOutput> {
  const { spec, recipe, dataset } = o;
  const kept = splitValidation(o.train, recipe.validationSplit).train;
  const train = o.limitTrain > 0 ? sliceSplit(kept, 0, Math.min(o.limitTrain, kept.count)) : kept;
  const source = createBatchSource(train, { batchSize: recipe.batchSize, seed: recipe.seed });
  const records: TraceRecord[] = [];
  const trainer = createTrainer({
    spec,
    recipe,
    stats: statsFor(dataset),
    stepsPerEpoch: source.batchesPerEpoch,
    onStep: (s) => records.push(traceRecord(s, spec, recipe)),
  });
  try {
    const meta: ExportMeta = {
      dataset,
      recipe,
      epoch: 0,
      metrics: null,
      cardinalVersion: o.cardinalVersion,
    };
    const initial = await exportSafetensors(trainer.model, meta);
    const limit = o.maxSteps || Infinity;
    const steps: Uint8Array[] = [];
    for (let epoch = 0; epoch < recipe.epochs && trainer.steps() < limit; epoch++) {
      for (const batch of source.epoch(epoch)) {
        if (trainer.steps() >= limit) break;
        await trainer.step(batch, epoch, batch.index);
        if (o.stepWeights) steps.push(await exportSafetensors(trainer.model, meta));
      }
    }
    const epochs = trainer.steps() / source.batchesPerEpoch;
    const final = await exportSafetensors(trainer.model, { ...meta, epoch: Math.floor(epochs) });
    const run = traceRun({
      spec,
      recipe,
      dataset,
      stats: statsFor(dataset),
      trainImages: train.count,
      stepsPerEpoch: source.batchesPerEpoch,
      steps: records.length,
      backend: o.backend,
      runner: 'node (scripts/lib/trace.ts)',
      cardinalVersion: o.cardinalVersion,
    });
    return { run, records, initial, final, ...(o.stepWeights ? { steps } : {}) };
  } finally {
    trainer.dispose();
  }
}

/** A 'trace-weights' event as it crosses the page boundary: the bytes as base64. */
export type TraceEvent =
  | Extract<WorkerEvent, { type: 'trace-start' | 'trace-step' }>
  | (Omit<Extract<WorkerEvent, { type: 'trace-weights' }>, 'bytes'> & { base64: string });

/**
 * Gathers a traced run's events (npm run train --trace) into a TraceOutput. The worker sends
 * them in order: trace-start, initial weights, then per step its record (and weights with
 * --trace-steps), and the final weights after the last step.
 */
export function createTraceCollector() {
  let start: Extract<TraceEvent, { type: 'trace-start' }> | null = null;
  const records: TraceRecord[] = [];
  const weights = new Map<string, Uint8Array>();
  return {
    onEvent(event: TraceEvent): void {
      if (event.type === 'trace-start') start = event;
      else if (event.type === 'trace-step') records.push(event.record);
      else {
        const key = event.which === 'step' ? `step-${event.step}` : event.which;
        weights.set(key, new Uint8Array(Buffer.from(event.base64, 'base64')));
      }
    },
    /** The trace, or an Error saying what is missing (a run that failed before its first step). */
    output(run: { spec: ArchSpec; recipe: Recipe; dataset: DatasetId; backend: string }) {
      const initial = weights.get('initial');
      const final = weights.get('final');
      if (!start || !initial || !final) {
        return new Error('the worker sent no complete trace (it stopped before training began)');
      }
      const steps = records.map((r) => weights.get(`step-${r.step}`));
      const everyStep = steps.every((s): s is Uint8Array => s !== undefined);
      return {
        run: traceRun({
          ...run,
          stats: statsFor(run.dataset),
          trainImages: start.trainImages,
          stepsPerEpoch: start.stepsPerEpoch,
          steps: records.length,
          runner: 'browser worker (npm run train)',
          cardinalVersion: start.cardinalVersion,
        }),
        records,
        initial,
        final,
        ...(everyStep && steps.length > 0 ? { steps } : {}),
      } satisfies TraceOutput;
    },
  };
}
