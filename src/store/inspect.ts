// The inside views of a run: which image is looked at, the worker's answer, and whether one is
// on its way. The worker computes them (the live weights of the training run, or a saved
// run's checkpoint); this store only asks and keeps the latest answer.
import { create } from 'zustand';
import type { WorkerEvent } from '../worker/protocol';
import type { RunRecord } from './history';
import { useRun } from './run';

export type InsideResult = Omit<Extract<WorkerEvent, { type: 'inspect-ready' }>, 'type'>;

interface InspectState {
  /** The run and image last asked about. */
  asked: { runId: string; imageIndex: number } | null;
  busy: boolean;
  error: string | null;
  result: InsideResult | null;
  /** Asks the worker for the inside views of `run` on test image `imageIndex`. */
  request(run: RunRecord, imageIndex: number): void;
}

let listening = false;

export const useInspect = create<InspectState>((set, get) => {
  /** Answers to anything but the latest question are dropped (the user clicked on). */
  const isAsked = (runId: string, imageIndex: number) =>
    get().asked?.runId === runId && get().asked?.imageIndex === imageIndex;

  function onEvent(event: WorkerEvent) {
    if (event.type === 'inspect-ready' && isAsked(event.runId, event.imageIndex)) {
      const { runId, epoch, live, imageIndex, label, view } = event;
      set({ busy: false, error: null, result: { runId, epoch, live, imageIndex, label, view } });
    }
    if (event.type === 'inspect-failed' && isAsked(event.runId, event.imageIndex)) {
      set({ busy: false, error: event.message });
    }
  }

  return {
    asked: null,
    busy: false,
    error: null,
    result: null,
    request(run, imageIndex) {
      const worker = useRun.getState().worker();
      if (!listening) {
        worker.subscribe(onEvent);
        listening = true;
      }
      const { runId, config } = run;
      set({ asked: { runId, imageIndex }, busy: true, error: null });
      worker.send({
        type: 'inspect',
        request: {
          runId,
          spec: config.spec,
          dataset: config.dataset,
          backend: useRun.getState().backend,
          imageIndex,
        },
      });
    },
  };
});
