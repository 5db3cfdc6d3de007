// The training run the page is showing: its status, live progress, curves and errors, fed by
// the worker's events; plus the run history. Every event that changes a run is also written to
// the history (IndexedDB), so a reload finds the run and can resume it from its checkpoint.
// Also the export of a run's weights (a .zip download) and the import of a .safetensors file,
// which becomes an "Imported weights" run that can continue training (their worker events:
// transfers.ts). A crashed backend's recovery decision is recovery.ts's.
import { create } from 'zustand';
import type { DatasetId } from '../data/cifar';
import type { BackendChoice } from '../engine/setBackend';
import { testLimitFor, type ArchSpec, type Recipe } from '../spec';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from '../worker/checkpoints';
import { TrainerClient } from '../worker/client';
import type { RunConfig, WorkerEvent } from '../worker/protocol';
import { useData } from './data';
import { deleteRun, downsample, loadRuns, newRunId, saveRun, type RunRecord } from './history';
import { decideRecovery, retryConfig } from './recovery';
import { onTransferEvent } from './transfers';
import { matchingPreset, useLab } from './lab';

type Progress = Extract<WorkerEvent, { type: 'progress' }>;

export type PageStatus = 'idle' | 'running' | 'paused' | 'done' | 'error';

/** An export under way or just finished (one at a time). */
export interface ExportJob {
  runId: string;
  state: 'busy' | 'done' | 'error';
  message: string;
}

/** An import under way, or the reason the last one was refused (nothing changed then). */
export interface ImportJob {
  runId: string;
  fileName: string;
  state: 'busy' | 'error';
  message: string;
}

/** What the page falls back on when a weights file's metadata does not say. */
export interface ImportFallback {
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
}

export interface RunState {
  backend: BackendChoice;
  /** The run on screen (live, or reopened from the history). */
  current: RunRecord | null;
  status: PageStatus;
  progress: Progress | null;
  /** Why the backend was picked, from the worker's ready event. */
  why: string | null;
  /**
   * Stop was asked for and the worker has not answered yet: it stops between two steps, and a
   * step (or the epoch's evaluation) can take a while on a slow backend.
   */
  stopping: boolean;
  /** The epoch's evaluation under way: on the first `images` of the `of` test images. */
  evaluating: { images: number; of: number } | null;
  /** What the page did after the backend died under the current run (recovery.ts). */
  recoveryNote: string | null;
  /** After an out-of-memory failure: a new run of the same experiment at `batch`. */
  retryWithBatch(run: RunRecord, batch: number): void;
  history: RunRecord[];
  chooseBackend(backend: BackendChoice): void;
  /**
   * A new run of this experiment; the backend comes from this store and the image limits from
   * the lab's, unless the experiment sets them (the queue does). Returns the new run's id.
   */
  start(
    experiment: Pick<RunConfig, 'spec' | 'recipe' | 'dataset'> &
      Partial<Pick<RunConfig, 'runId' | 'limitTrain'>>,
  ): string;
  resumeInterrupted(run: RunRecord): void;
  pause(): void;
  resume(): void;
  stop(): void;
  open(run: RunRecord): void;
  remove(runId: string): Promise<void>;
  loadHistory(): Promise<void>;
  exportJob: ExportJob | null;
  importJob: ImportJob | null;
  /** Downloads the run's last checkpoint as a PyTorch bundle (.zip); also while it trains. */
  exportRun(run: RunRecord): void;
  /** Checks and evaluates a .safetensors file (or an export .zip) in the worker. */
  importWeights(file: File, fallback: ImportFallback): Promise<void>;
  /** A new run from imported weights: their epoch onwards, `recipe`, a fresh optimizer. */
  continueTraining(run: RunRecord, recipe: Recipe): Promise<void>;
  /**
   * The training worker, started on first use. Other stores (the inside views) send through it
   * too: one worker, so a look at the run that trains sees its live weights.
   */
  worker(): TrainerClient;
}

/** The record of a run about to start: nothing measured yet beyond `epochs` (a resume's). */
function startingRecord(config: RunConfig, epochs: RunRecord['epochs'] = []): RunRecord {
  return {
    runId: config.runId,
    createdAt: Date.now(),
    config,
    status: 'running',
    backend: null,
    adapter: null,
    epochs,
    losses: [],
    results: null,
    error: null,
  };
}

let client: TrainerClient | null = null;
/** The run whose dataset is being fetched before it starts (launch), if any. */
let preparing: string | null = null;

export const useRun = create<RunState>((set, get) => {
  function worker(): TrainerClient {
    if (!client) {
      client = new TrainerClient();
      client.subscribe(onEvent);
    }
    return client;
  }

  function update(change: Partial<RunRecord>, state: Partial<RunState> = {}) {
    const current = get().current;
    if (!current) return;
    const next = { ...current, ...change };
    set({ current: next, ...state });
    void saveRun(next).then(() => get().loadHistory());
  }

  function onEvent(event: WorkerEvent) {
    if (onTransferEvent(event, set, get)) return;
    const current = get().current;
    if (event.runId !== null && event.runId !== current?.runId) return;
    switch (event.type) {
      case 'ready':
        update({ backend: event.backend, adapter: event.adapter }, { why: event.why });
        return;
      case 'memory-plan':
        update({ memory: event.plan });
        return;
      case 'resumed-from':
        update({ epochs: event.history });
        return;
      case 'progress': {
        const losses = downsample([...(current?.losses ?? []), ...event.steps]);
        set({
          progress: event,
          status: 'running',
          current: current && {
            ...current,
            losses,
            status: 'running',
            imagesPerSecond: event.imagesPerSecond,
          },
        });
        return;
      }
      case 'evaluating':
        set({ evaluating: { images: event.images, of: event.of } });
        return;
      case 'epoch-end':
        update(
          { epochs: [...(current?.epochs ?? []), event.metrics], results: event.results },
          { evaluating: null },
        );
        return;
      case 'checkpoint-saved':
        return;
      case 'paused':
        update({ status: 'paused' }, { status: 'paused' });
        return;
      case 'done':
        // The last progress line ("epoch 1/2 · step 50/157 · ETA…") no longer describes anything.
        update(
          { status: event.stopped ? 'stopped' : 'done' },
          {
            status: event.stopped ? 'idle' : 'done',
            progress: null,
            stopping: false,
            evaluating: null,
          },
        );
        return;
      case 'error':
        if (event.code === 'backend-lost' && current) {
          recover(current, event.message, event.memory ?? false);
          return;
        }
        update(
          { status: 'error', error: event.message, errorCode: event.code },
          { status: 'error', progress: null, stopping: false, evaluating: null },
        );
        return;
    }
  }

  /** The backend died: a fresh worker, and the run resumes from its checkpoint (recovery.ts). */
  function recover(run: RunRecord, message: string, memory: boolean) {
    client?.terminate();
    client = null;
    const decision = decideRecovery(run, message, memory);
    if ('error' in decision) {
      const { error, smallerBatch } = decision;
      const code = memory ? 'out-of-memory' : 'backend-lost';
      update(
        { status: 'error', error, errorCode: code, smallerBatch },
        { status: 'error', progress: null, stopping: false, evaluating: null },
      );
      return;
    }
    launch(decision.resume, true);
    set({ recoveryNote: decision.note });
  }

  /**
   * Starts a run. Without its dataset in the browser, the data comes first (one click: the lab's
   * server fetches it if need be); meanwhile the run shows as running, Stop cancels the download.
   */
  function launch(run: RunRecord, resume: boolean) {
    set({
      current: run,
      status: 'running',
      progress: null,
      why: null,
      stopping: false,
      evaluating: null,
      recoveryNote: null,
    });
    void saveRun(run).then(() => get().loadHistory());
    preparing = run.runId;
    void useData
      .getState()
      .ensure(run.config.dataset)
      .then((ready) => {
        preparing = null;
        if (get().current?.runId !== run.runId) return;
        if (ready.ok) worker().send({ type: 'start', config: run.config, resume });
        else if (ready.cancelled) {
          update({ status: 'stopped' }, { status: 'idle', stopping: false });
        } else {
          update(
            { status: 'error', error: ready.message, errorCode: 'no-data' },
            { status: 'error', stopping: false },
          );
        }
      });
  }

  return {
    worker,
    backend: 'auto',
    current: null,
    status: 'idle',
    progress: null,
    why: null,
    stopping: false,
    evaluating: null,
    history: [],
    chooseBackend(backend) {
      set({ backend });
    },
    start({ runId = newRunId(), limitTrain = useLab.getState().limitTrain, ...experiment }) {
      const config: RunConfig = {
        ...experiment,
        runId,
        backend: get().backend,
        limitTrain,
        limitTest: testLimitFor(limitTrain),
      };
      launch(startingRecord(config), false);
      return runId;
    },
    recoveryNote: null,
    retryWithBatch(run, batch) {
      if (get().status === 'running' || get().status === 'paused') return;
      launch(startingRecord(retryConfig(run, batch, newRunId())), false);
    },
    resumeInterrupted(run) {
      launch({ ...run, status: 'running', error: null }, true);
    },
    pause: () => {
      if (!preparing) worker().send({ type: 'pause' });
    },
    resume() {
      worker().send({ type: 'resume' });
      update({ status: 'running' }, { status: 'running' });
    },
    stop() {
      const status = get().status;
      if (status !== 'running' && status !== 'paused') return;
      set({ stopping: true });
      if (preparing) useData.getState().cancel();
      else worker().send({ type: 'stop' });
    },
    open(run) {
      if (get().status === 'running' || get().status === 'paused') return;
      set({ current: run, status: run.status === 'done' ? 'done' : 'idle', progress: null });
    },
    async remove(runId) {
      await Promise.all([deleteRun(runId), deleteCheckpoint(runId)]);
      if (get().current?.runId === runId && get().status !== 'running') set({ current: null });
      await get().loadHistory();
    },
    async loadHistory() {
      const runs = await loadRuns();
      // loadRuns reads every 'running' record as interrupted (the page that trained it went
      // away); the one this page is training is not.
      const { current, status } = get();
      const live = status === 'running' || status === 'paused' ? status : null;
      set({
        history: runs.map((run) =>
          live && run.runId === current?.runId ? { ...run, status: live } : run,
        ),
      });
    },
    exportJob: null,
    importJob: null,
    exportRun(run) {
      if (get().exportJob?.state === 'busy') return;
      const { spec, recipe, dataset } = run.config;
      set({ exportJob: { runId: run.runId, state: 'busy', message: 'Preparing the bundle…' } });
      worker().send({
        type: 'export',
        request: {
          runId: run.runId,
          spec,
          recipe,
          dataset,
          name: matchingPreset(spec) ?? 'custom',
          backend: get().backend,
        },
      });
    },
    async importWeights(file, fallback) {
      const status = get().status;
      if (get().importJob?.state === 'busy' || status === 'running' || status === 'paused') return;
      const runId = newRunId('import');
      set({
        importJob: { runId, fileName: file.name, state: 'busy', message: `Reading ${file.name}…` },
      });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await file.arrayBuffer());
      } catch (error) {
        const message = `${file.name} cannot be read: ${(error as Error).message}`;
        set({ importJob: { runId, fileName: file.name, state: 'error', message } });
        return;
      }
      const request = { runId, fileName: file.name, bytes, ...fallback, backend: get().backend };
      worker().send({ type: 'import', request }, [bytes.buffer]);
    },
    async continueTraining(run, recipe) {
      const status = get().status;
      if (status === 'running' || status === 'paused') return;
      const saved = await loadCheckpoint(run.runId);
      if (!saved) {
        set({
          importJob: {
            runId: run.runId,
            fileName: run.imported?.fileName ?? '',
            state: 'error',
            message: 'The imported weights are no longer in this browser: import the file again.',
          },
        });
        return;
      }
      // The new run's own copy of the weights-only checkpoint: if the page goes away before
      // its first epoch ends, "Resume" starts from the imported weights again.
      const runId = newRunId();
      await saveCheckpoint({ ...saved, runId });
      set({ importJob: null });
      const { backend } = get();
      const { limitTrain } = useLab.getState();
      const config: RunConfig = {
        runId,
        spec: run.config.spec,
        recipe,
        dataset: run.config.dataset,
        backend,
        limitTrain,
        limitTest: testLimitFor(limitTrain),
      };
      launch(startingRecord(config, saved.history), true);
    },
  };
});
