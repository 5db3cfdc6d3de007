// A run's network rebuilt from its last checkpoint (IndexedDB): what export writes out and what
// the inside views look at when the run is not the one training.
import { assignVariables } from '../engine/checkpoint';
import { buildModel, type Model } from '../engine/model';
import type { ArchSpec } from '../spec/types';
import { loadCheckpoint, type SavedRun } from './checkpoints';

/** The run's checkpoint; when it has none yet, an error that says when it will (`so …`). */
export async function requireCheckpoint(runId: string, so: string): Promise<SavedRun> {
  const saved = await loadCheckpoint(runId);
  if (!saved) {
    throw new Error(
      `this run has no saved weights yet: they are saved at the end of each epoch, so ${so}`,
    );
  }
  return saved;
}

/**
 * The network of `spec` holding the checkpoint's weights and batch-norm buffers; the caller
 * disposes it. The seed only fills weights the checkpoint then overwrites.
 */
export function modelFromCheckpoint(spec: ArchSpec, saved: SavedRun, seed = 0): Model {
  const model = buildModel(spec, { seed });
  try {
    assignVariables(model.params, saved.checkpoint.params);
    assignVariables(model.buffers, saved.checkpoint.buffers);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
