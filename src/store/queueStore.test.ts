// The queue driving a stand-in run store: what starts when, what a run's outcome does to its
// item, and what a reload finds. The real run store needs a Worker; its contract with the queue
// (start with the item's run id, resumeInterrupted, pause/resume/stop, status) is what is faked.
import 'fake-indexeddb/auto';
import { clear, createStore } from 'idb-keyval';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import { presetRecipe, presetSpec } from '../spec';
import type { RunRecord, RunStatus } from './history';

interface FakeRun {
  status: 'idle' | 'running' | 'paused' | 'done' | 'error';
  current: RunRecord | null;
  history: RunRecord[];
  started: string[];
  resumed: string[];
  start(experiment: { runId: string }): string;
  resumeInterrupted(run: RunRecord): void;
  pause(): void;
  resume(): void;
  stop(): void;
  loadHistory(): Promise<void>;
}

const record = (runId: string, status: RunStatus): RunRecord =>
  ({ runId, status, error: null, config: { runId } }) as unknown as RunRecord;

const fakeRun = create<FakeRun>((set, get) => ({
  status: 'idle',
  current: null,
  history: [],
  started: [],
  resumed: [],
  start({ runId }) {
    set({
      status: 'running',
      current: record(runId, 'running'),
      started: [...get().started, runId],
    });
    return runId;
  },
  resumeInterrupted(run) {
    set({ status: 'running', current: { ...run, status: 'running' } });
    set({ resumed: [...get().resumed, run.runId] });
  },
  pause: () => set({ status: 'paused' }),
  resume: () => set({ status: 'running' }),
  stop: () => finish('stopped'),
  loadHistory: async () => undefined,
}));

/** Subscriptions of the current "page": a reload ends them, as closing the tab would. */
let pageSubscriptions: (() => void)[] = [];
vi.mock('./run', () => ({
  useRun: {
    getState: () => fakeRun.getState(),
    subscribe: (listener: Parameters<typeof fakeRun.subscribe>[0]) => {
      const unsubscribe = fakeRun.subscribe(listener);
      pageSubscriptions.push(unsubscribe);
      return unsubscribe;
    },
  },
}));

/** The worker's answer to the run on screen: done, stopped or failed. */
function finish(status: 'done' | 'stopped' | 'error', errorCode?: string) {
  const current = fakeRun.getState().current!;
  fakeRun.setState({
    status: status === 'stopped' ? 'idle' : status,
    current: {
      ...current,
      status,
      error: status === 'error' ? 'boom' : null,
      errorCode,
    } as RunRecord,
  });
}

const experiment = {
  spec: presetSpec('resnet8')!,
  recipe: presetRecipe('quick')!,
  dataset: 'cifar10' as const,
  limitTrain: 64,
};
const items = (...labels: string[]) => labels.map((label) => ({ label, experiment }));
const study = { title: 'study', kind: 'study' as const, meta: {} };

/** A fresh queue store over the same (fake) IndexedDB: what a reload gets. */
async function freshQueue() {
  for (const unsubscribe of pageSubscriptions) unsubscribe();
  pageSubscriptions = [];
  const { createQueueStore } = await import('./queueStore');
  const queue = createQueueStore();
  await queue.getState().load();
  return queue;
}

const states = (queue: { getState(): { items: { label: string; state: string }[] } }) =>
  queue.getState().items.map((i) => `${i.label}:${i.state}`);
const flush = () => new Promise((resolve) => setTimeout(resolve, 10));

beforeEach(async () => {
  fakeRun.setState({ status: 'idle', current: null, history: [], started: [], resumed: [] });
  await clear(createStore('cardinal-queue', 'queue'));
});

describe('queue store', () => {
  it('trains the queued runs one after another, each with its item id as run id', async () => {
    const queue = await freshQueue();
    queue.getState().enqueue(study, items('C=1', 'C=2'));
    expect(states(queue)).toEqual(['C=1:running', 'C=2:waiting']);
    const [first, second] = queue.getState().items.map((i) => i.id);
    expect(fakeRun.getState().started).toEqual([first]);
    finish('done');
    expect(states(queue)).toEqual(['C=1:done', 'C=2:running']);
    expect(fakeRun.getState().started).toEqual([first, second]);
    finish('done');
    expect(states(queue)).toEqual(['C=1:done', 'C=2:done']);
  });

  it('does not start while another run trains, and starts when it ends', async () => {
    const queue = await freshQueue();
    fakeRun.getState().start({ runId: 'manual' });
    queue.getState().enqueue(study, items('C=1'));
    expect(states(queue)).toEqual(['C=1:waiting']);
    finish('done');
    expect(states(queue)).toEqual(['C=1:running']);
  });

  it('cancels the running item by stopping its run, then goes on', async () => {
    const queue = await freshQueue();
    queue.getState().enqueue(study, items('C=1', 'C=2', 'C=4'));
    queue.getState().cancel(queue.getState().items[2].id);
    queue.getState().cancel(queue.getState().items[0].id);
    expect(states(queue)).toEqual(['C=1:cancelled', 'C=2:running', 'C=4:cancelled']);
  });

  it('holds: pauses the run and starts nothing until released', async () => {
    const queue = await freshQueue();
    queue.getState().enqueue(study, items('C=1', 'C=2'));
    queue.getState().hold();
    expect(fakeRun.getState().status).toBe('paused');
    queue.getState().release();
    expect(fakeRun.getState().status).toBe('running');
    queue.getState().hold();
    queue.getState().release();
    queue.getState().hold();
    fakeRun.setState({ status: 'running' });
    finish('done');
    expect(states(queue)).toEqual(['C=1:done', 'C=2:waiting']);
    queue.getState().release();
    expect(states(queue)).toEqual(['C=1:done', 'C=2:running']);
  });

  it('goes on after a diverged run, but holds after an error every run would hit', async () => {
    const queue = await freshQueue();
    queue.getState().enqueue(study, items('C=1', 'C=2', 'C=4'));
    finish('error', 'diverged');
    expect(states(queue)).toEqual(['C=1:failed', 'C=2:running', 'C=4:waiting']);
    finish('error', 'no-data');
    expect(states(queue)).toEqual(['C=1:failed', 'C=2:failed', 'C=4:waiting']);
    expect(queue.getState().held).toBe(true);
    expect(queue.getState().heldBecause).toMatch(/C=2 failed: boom/);
  });

  it('after a reload, resumes the interrupted run from its record, then goes on in order', async () => {
    let queue = await freshQueue();
    queue.getState().enqueue(study, items('C=1', 'C=2', 'C=4'));
    finish('done');
    const interrupted = queue.getState().items[1].id;
    queue.getState().move(queue.getState().items[2].id, -1); // nothing waits before it: no-op
    await flush(); // the queue's IndexedDB write

    // The page goes away; the history marks the run interrupted.
    fakeRun.setState({
      status: 'idle',
      current: null,
      started: [],
      history: [record(interrupted, 'interrupted')],
    });
    queue = await freshQueue();
    expect(fakeRun.getState().resumed).toEqual([interrupted]);
    expect(fakeRun.getState().started).toEqual([]);
    expect(states(queue)).toEqual(['C=1:done', 'C=2:running', 'C=4:waiting']);
    finish('done');
    expect(states(queue)).toEqual(['C=1:done', 'C=2:done', 'C=4:running']);
  });

  it('keeps a held queue held across a reload', async () => {
    let queue = await freshQueue();
    queue.getState().enqueue(study, items('C=1', 'C=2'));
    queue.getState().hold();
    await flush();
    fakeRun.setState({ status: 'idle', current: null, started: [] });
    queue = await freshQueue();
    expect(queue.getState().held).toBe(true);
    expect(fakeRun.getState().started).toEqual([]);
    queue.getState().release();
    expect(fakeRun.getState().started).toEqual([queue.getState().items[0].id]);
  });
});
