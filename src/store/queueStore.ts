// The run queue's store: queue.ts's rules, kept in IndexedDB, driving the run store. The worker
// trains one run at a time, so the queue starts its next item only when the run store is idle,
// and settles the item from the run's outcome (done, stopped → cancelled, error → failed).
// A reload finds the queue as it was; the run that was training resumes from its checkpoint.
import { createStore, get as idbGet, set as idbSet } from 'idb-keyval';
import { create } from 'zustand';
import { newRunId, type RunRecord } from './history';
import {
  addGroup,
  afterReload,
  cancelWaiting,
  EMPTY_QUEUE,
  markRunning,
  moveWaiting,
  nextItem,
  removeGroup,
  runningItem,
  settle,
  type QueueGroup,
  type QueueItem,
  type QueueState,
} from './queue';
import { useRun } from './run';

interface QueueStore extends QueueState {
  /** False until the saved queue has been read (nothing starts before). */
  loaded: boolean;
  /** Why the queue was held by itself (a run failed), for the queue's header. */
  heldBecause: string | null;
  load(): Promise<void>;
  /** Queues a study's or demo's runs; returns the group's id. */
  enqueue(
    group: Omit<QueueGroup, 'id' | 'createdAt'>,
    items: Pick<QueueItem, 'label' | 'experiment'>[],
  ): string;
  /** Pauses the queue: the running item pauses, and nothing new starts. */
  hold(): void;
  /** Continues: a paused queue run resumes, or the next item starts. */
  release(): void;
  /** Cancels an item: a waiting one at once, the running one by stopping its run. */
  cancel(itemId: string): void;
  /** Cancels every unfinished item of a group. */
  cancelGroup(groupId: string): void;
  move(itemId: string, delta: number): void;
  /** Forgets a group and its queue items (their runs stay in the history). */
  forget(groupId: string): void;
}

const idb = createStore('cardinal-queue', 'queue');
const KEY = 'queue';

/** Errors that would fail every following run the same way: the queue stops for the user. */
const HOLDING_ERRORS = new Set(['no-data', 'backend-unavailable', 'internal']);

const isBusy = () => {
  const { status } = useRun.getState();
  return status === 'running' || status === 'paused';
};

/** A queue store over the saved queue; the page has one (useQueue), a test makes one per "page load". */
export const createQueueStore = () =>
  create<QueueStore>((set, get) => {
    function commit(next: QueueState, extra: Partial<QueueStore> = {}) {
      set({ ...next, ...extra });
      const { items, groups, held } = get();
      void idbSet(KEY, { items, groups, held } satisfies QueueState, idb);
    }

    /** Settles the running item once its run has ended, then starts the next one. */
    function advance() {
      if (!get().loaded) return;
      let queue: QueueState = get();
      const running = runningItem(queue);
      if (running) {
        const run = useRun.getState().current;
        if (run?.runId !== running.id || isBusy()) return; // still training (or starting)
        const outcome = outcomeOf(run);
        if (!outcome) return;
        queue = settle(queue, running.id, outcome, run.error ?? undefined);
        if (outcome === 'failed' && HOLDING_ERRORS.has(run.errorCode ?? 'internal')) {
          commit(
            { ...queue, held: true },
            { heldBecause: `${running.label} failed: ${run.error}. The queue is paused.` },
          );
          return;
        }
        commit(queue);
      }
      const next = nextItem(queue);
      if (!next || isBusy()) return;
      commit(markRunning(queue, next.id), { heldBecause: null });
      startItem(next);
    }

    function startItem(item: QueueItem) {
      const runs = useRun.getState();
      const record = item.resume ? runs.history.find((r) => r.runId === item.id) : undefined;
      if (record) runs.resumeInterrupted(record);
      else runs.start({ ...item.experiment, runId: item.id });
    }

    // Every change of the run on screen may end the queue's run or free the worker.
    useRun.subscribe((run, before) => {
      if (run.status !== before.status || run.current?.status !== before.current?.status) advance();
    });

    return {
      ...EMPTY_QUEUE,
      loaded: false,
      heldBecause: null,
      async load() {
        if (get().loaded) return;
        const saved = (await idbGet<QueueState>(KEY, idb)) ?? EMPTY_QUEUE;
        // The run records say which runs were interrupted; resuming one needs its record.
        await useRun.getState().loadHistory();
        set({ ...afterReload(saved), loaded: true });
        advance();
      },
      enqueue(group, items) {
        const id = newRunId('group');
        const withIds = items.map((item) => ({ ...item, id: newRunId() }));
        commit(addGroup(get(), { ...group, id, createdAt: Date.now() }, withIds));
        advance();
        return id;
      },
      hold() {
        commit({ ...get(), held: true }, { heldBecause: null });
        const running = runningItem(get());
        if (running && useRun.getState().current?.runId === running.id) useRun.getState().pause();
      },
      release() {
        commit({ ...get(), held: false }, { heldBecause: null });
        const running = runningItem(get());
        const runs = useRun.getState();
        if (running && runs.current?.runId === running.id && runs.status === 'paused')
          runs.resume();
        else advance();
      },
      cancel(itemId) {
        const item = get().items.find((i) => i.id === itemId);
        if (item?.state === 'running') {
          if (useRun.getState().current?.runId === itemId && isBusy()) useRun.getState().stop();
          else commit(settle(get(), itemId, 'cancelled'));
        } else {
          commit(cancelWaiting(get(), itemId));
        }
        advance();
      },
      cancelGroup(groupId) {
        // One write for the whole group, not one per item.
        let queue: QueueState = get();
        for (const item of queue.items) {
          if (item.groupId === groupId && item.state === 'waiting') {
            queue = cancelWaiting(queue, item.id);
          }
        }
        commit(queue);
        const running = runningItem(get());
        if (running?.groupId === groupId) get().cancel(running.id);
        else advance();
      },
      move(itemId, delta) {
        commit(moveWaiting(get(), itemId, delta));
      },
      forget(groupId) {
        const running = runningItem(get());
        if (running?.groupId === groupId) get().cancel(running.id);
        commit(removeGroup(get(), groupId));
      },
    };
  });

export const useQueue = createQueueStore();

function outcomeOf(run: RunRecord): 'done' | 'cancelled' | 'failed' | null {
  switch (run.status) {
    case 'done':
      return 'done';
    case 'stopped':
      return 'cancelled';
    case 'error':
      return 'failed';
    default:
      return null;
  }
}
