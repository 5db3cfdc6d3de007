// What the page does when the training worker's backend dies under a run (the WASM module
// aborted, the GPU device was lost): the worker is replaced by a fresh one and the run resumes
// from its last checkpoint by itself, so a queue carries on. Where memory was the cause, the
// resumed run trains fewer images at once (RunConfig.maxMicroBatch: micro-batches with gradient
// accumulation, the optimizer still sees the recipe's batch). A run that dies again without
// having saved a newer checkpoint, or cannot go smaller, stops with an error that offers a
// smaller batch (retryConfig). Pure decisions here; store/run.ts carries them out.
import { MIN_MICRO_BATCH } from '../engine/preflight';
import type { RunConfig } from '../worker/protocol';
import type { RunRecord } from './history';

/** One backend loss the page recovered from (or gave up on), as the run record keeps it. */
export interface Recovery {
  at: number;
  /** Epochs the run had checkpointed when it died: where it resumed from. */
  epoch: number;
  message: string;
  memory: boolean;
  /** The micro-batch cap the resumed run got; absent when memory was not the cause. */
  maxMicroBatch?: number;
}

/** Losses at the same checkpoint before the page gives up. */
const MAX_TRIES_PER_CHECKPOINT = 2;

export type RecoveryDecision =
  { resume: RunRecord; note: string } | { error: string; smallerBatch: number | null };

export function decideRecovery(run: RunRecord, message: string, memory: boolean): RecoveryDecision {
  const epoch = run.epochs.length;
  const earlier = run.recoveries ?? [];
  const triesHere = earlier.filter((r) => r.epoch === epoch).length;
  const batch = run.config.recipe.batchSize;
  // The micro-batch the run was training with (its plan), or its whole batch.
  const current = Math.min(run.config.maxMicroBatch ?? batch, run.memory?.microBatch ?? batch);
  const smaller = Math.ceil(current / 2);
  const smallerBatch = batch > 1 ? Math.floor(batch / 2) : null;
  if (triesHere >= MAX_TRIES_PER_CHECKPOINT || (memory && smaller < MIN_MICRO_BATCH)) {
    return {
      error:
        `The backend died again (${message}). The run kept its checkpoint of epoch ${epoch}. ` +
        (memory ? 'Memory was the cause: continue with a smaller batch, or ' : 'Try ') +
        'another backend or a smaller network.',
      smallerBatch: memory ? smallerBatch : null,
    };
  }
  const config: RunConfig = memory ? { ...run.config, maxMicroBatch: smaller } : run.config;
  const recovery: Recovery = {
    at: Date.now(),
    epoch,
    message,
    memory,
    ...(memory ? { maxMicroBatch: smaller } : {}),
  };
  const from = epoch > 0 ? `its epoch-${epoch} checkpoint` : 'the start (no checkpoint yet)';
  const note =
    `The ${run.backend ?? 'training'} backend died${memory ? ' (out of memory)' : ''}: the ` +
    `worker was replaced and the run resumed from ${from}` +
    (memory ? `, at most ${smaller} images per forward pass.` : '.');
  return {
    resume: { ...run, config, status: 'running', error: null, recoveries: [...earlier, recovery] },
    note,
  };
}

/** A new run's config for "continue with a smaller batch" (its own id, half the batch). */
export function retryConfig(run: RunRecord, batch: number, runId: string): RunConfig {
  const { maxMicroBatch: _cap, ...config } = run.config;
  void _cap;
  return { ...config, runId, recipe: { ...config.recipe, batchSize: batch } };
}
