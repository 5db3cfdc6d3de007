// The training run the page is showing: its status, live progress, curves and errors, fed by
// the worker's events; plus the run history. Every event that changes a run is also written to
// the history (IndexedDB), so a reload finds the run and can resume it from its checkpoint.
import { create } from 'zustand';
import type { BackendChoice } from '../engine/setBackend';
import { deleteCheckpoint } from '../worker/checkpoints';
import { TrainerClient } from '../worker/client';
import type { RunConfig, WorkerEvent } from '../worker/protocol';
import { deleteRun, downsample, loadRuns, saveRun, type RunRecord } from './history';

type Progress = Extract<WorkerEvent, { type: 'progress' }>;

export type PageStatus = 'idle' | 'running' | 'paused' | 'done' | 'error';

interface RunState {
  backend: BackendChoice;
  /** Train on the first N images only (0 = all): quick demos on slow backends. */
  limitTrain: number;
  setLimitTrain(n: number): void;
  /** The run on screen (live, or reopened from the history). */
  current: RunRecord | null;
  status: PageStatus;
  progress: Progress | null;
  /** Why the backend was picked, from the worker's ready event. */
  why: string | null;
  history: RunRecord[];
  chooseBackend(backend: BackendChoice): void;
  start(config: Omit<RunConfig, 'runId' | 'backend'>): void;
  resumeInterrupted(run: RunRecord): void;
  pause(): void;
  resume(): void;
  stop(): void;
  open(run: RunRecord): void;
  remove(runId: string): Promise<void>;
  loadHistory(): Promise<void>;
}

let client: TrainerClient | null = null;

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
    const current = get().current;
    if (event.runId !== null && event.runId !== current?.runId) return;
    switch (event.type) {
      case 'ready':
        update({ backend: event.backend, adapter: event.adapter }, { why: event.why });
        return;
      case 'resumed-from':
        update({ epochs: event.history });
        return;
      case 'progress': {
        const losses = downsample([...(current?.losses ?? []), ...event.steps]);
        set({
          progress: event,
          status: 'running',
          current: current && { ...current, losses, status: 'running' },
        });
        return;
      }
      case 'epoch-end':
        update({ epochs: [...(current?.epochs ?? []), event.metrics], results: event.results });
        return;
      case 'checkpoint-saved':
        return;
      case 'paused':
        update({ status: 'paused' }, { status: 'paused' });
        return;
      case 'done':
        update(
          { status: event.stopped ? 'stopped' : 'done' },
          { status: event.stopped ? 'idle' : 'done' },
        );
        return;
      case 'error':
        update({ status: 'error', error: event.message }, { status: 'error' });
        return;
    }
  }

  function launch(run: RunRecord, resume: boolean) {
    set({ current: run, status: 'running', progress: null, why: null });
    void saveRun(run).then(() => get().loadHistory());
    worker().send({ type: 'start', config: run.config, resume });
  }

  return {
    backend: 'auto',
    limitTrain: 0,
    setLimitTrain: (limitTrain) => set({ limitTrain }),
    current: null,
    status: 'idle',
    progress: null,
    why: null,
    history: [],
    chooseBackend(backend) {
      set({ backend });
    },
    start(partial) {
      const runId = `run-${Date.now().toString(36)}`;
      const config: RunConfig = { ...partial, runId, backend: get().backend };
      launch(
        {
          runId,
          createdAt: Date.now(),
          config,
          status: 'running',
          backend: null,
          adapter: null,
          epochs: [],
          losses: [],
          results: null,
          error: null,
        },
        false,
      );
    },
    resumeInterrupted(run) {
      launch({ ...run, status: 'running', error: null }, true);
    },
    pause: () => worker().send({ type: 'pause' }),
    resume() {
      worker().send({ type: 'resume' });
      update({ status: 'running' }, { status: 'running' });
    },
    stop: () => worker().send({ type: 'stop' }),
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
      set({ history: await loadRuns() });
    },
  };
});
