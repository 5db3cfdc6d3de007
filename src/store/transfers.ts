// What the worker says about exports and imports: an export's download and its message, and an
// imported .safetensors file becoming an "Imported weights" run that the builder then shows.
import type { WorkerEvent } from '../worker/protocol';
import { useData } from './data';
import { downloadFile } from './download';
import { saveRun, type RunRecord } from './history';
import { useLab } from './lab';
import type { RunState } from './run';

/**
 * The worker's export and import events, which concern any run, not only the one on screen.
 * Returns false for every other event (the run store's reducer handles those).
 */
export function onTransferEvent(
  event: WorkerEvent,
  set: (change: Partial<RunState>) => void,
  get: () => RunState,
): boolean {
  switch (event.type) {
    case 'export-ready':
      downloadFile(event.bytes, event.fileName, 'application/zip');
      set({
        exportJob: {
          runId: event.runId,
          state: 'done',
          message: `Downloaded ${event.fileName} (weights of epoch ${event.epoch}).`,
        },
      });
      return true;
    case 'export-failed':
      set({
        exportJob: {
          runId: event.runId,
          state: 'error',
          message: `Export failed: ${event.message}`,
        },
      });
      return true;
    case 'import-failed': {
      const job = get().importJob;
      if (job?.runId === event.runId) {
        set({ importJob: { ...job, state: 'error', message: event.message } });
      }
      return true;
    }
    case 'import-ready': {
      const { imported } = event;
      if (get().importJob?.runId !== event.runId) return true;
      const run: RunRecord = {
        runId: event.runId,
        createdAt: Date.now(),
        config: {
          runId: event.runId,
          spec: imported.spec,
          recipe: imported.recipe,
          dataset: imported.dataset,
          backend: get().backend,
          limitTrain: 0,
          limitTest: 0,
        },
        status: 'done',
        backend: imported.backend,
        adapter: imported.adapter,
        epochs: [imported.metrics],
        losses: [],
        results: imported.results,
        error: null,
        imported: {
          fileName: imported.fileName,
          epoch: imported.epoch,
          fromFile: imported.fromFile,
          cardinalVersion: imported.cardinalVersion,
        },
      };
      const busy = get().status === 'running' || get().status === 'paused';
      set(busy ? { importJob: null } : { importJob: null, current: run, status: 'done' });
      if (!busy) set({ progress: null, why: null });
      void saveRun(run).then(() => get().loadHistory());
      // The builder shows the imported network (and the recipe the file was trained with),
      // so "Continue training" and Train work on what was imported.
      // (The dataset first: choosing it resizes the builder's output layer to its classes.)
      useData.getState().chooseDataset(imported.dataset);
      useLab.getState().setSpec(imported.spec);
      if (imported.fromFile.recipe) useLab.getState().setRecipe(imported.recipe);
      return true;
    }
    default:
      return false;
  }
}
