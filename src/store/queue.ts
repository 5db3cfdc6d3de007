// The run queue as plain data and pure functions (no React, no IndexedDB): studies and demos
// put their runs here, and queueStore.ts trains them one after another. Keeping the rules here
// lets the unit tests check order, cancelling, reordering and resuming without a worker.
import type { DatasetId } from '../data/cifar';
import type { ArchSpec, Recipe } from '../spec';

export type QueueItemState = 'waiting' | 'running' | 'done' | 'failed' | 'cancelled';

/** What one queued run trains; the run's backend is the page's at the time it starts. */
export interface QueuedExperiment {
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  /** Train on the first N images only (0 = all). */
  limitTrain: number;
}

export interface QueueItem {
  /** Also the id of the run it trains (and of that run's history record and checkpoint). */
  id: string;
  /** The study or demo it belongs to. */
  groupId: string;
  /** Short, e.g. "C = 8". */
  label: string;
  experiment: QueuedExperiment;
  state: QueueItemState;
  /**
   * Set when the page went away while it trained: it starts again from its last checkpoint
   * (its run record says 'interrupted') instead of from scratch.
   */
  resume: boolean;
  /** Why it failed, for the queue's list. */
  message?: string;
}

/** A study or demo: a named set of queued runs, shown together. */
export interface QueueGroup {
  id: string;
  title: string;
  kind: 'study' | 'demo';
  createdAt: number;
  /** The study's or demo's own settings (cardinality list, target accuracy…), as it saved them. */
  meta: Record<string, unknown>;
}

export interface QueueState {
  items: QueueItem[];
  groups: QueueGroup[];
  /** Paused by the user (or after a failure): no new run starts until released. */
  held: boolean;
}

export const EMPTY_QUEUE: QueueState = { items: [], groups: [], held: false };

const FINISHED: QueueItemState[] = ['done', 'failed', 'cancelled'];
export const isFinished = (item: QueueItem) => FINISHED.includes(item.state);

export function addGroup(
  queue: QueueState,
  group: QueueGroup,
  items: Pick<QueueItem, 'id' | 'label' | 'experiment'>[],
): QueueState {
  return {
    ...queue,
    groups: [...queue.groups, group],
    items: [
      ...queue.items,
      ...items.map((item) => ({
        ...item,
        groupId: group.id,
        state: 'waiting' as const,
        resume: false,
      })),
    ],
  };
}

export const runningItem = (queue: QueueState) => queue.items.find((i) => i.state === 'running');

/**
 * The next item to train: one interrupted by a reload first, then the first waiting one in
 * queue order; none while held or while one trains.
 */
export function nextItem(queue: QueueState): QueueItem | undefined {
  if (queue.held || runningItem(queue)) return undefined;
  const waiting = queue.items.filter((i) => i.state === 'waiting');
  return waiting.find((i) => i.resume) ?? waiting[0];
}

function setItem(queue: QueueState, id: string, change: Partial<QueueItem>): QueueState {
  return {
    ...queue,
    items: queue.items.map((item) => (item.id === id ? { ...item, ...change } : item)),
  };
}

export const markRunning = (queue: QueueState, id: string) =>
  setItem(queue, id, { state: 'running', resume: false });

/**
 * The outcome of the item's run: done, stopped (→ cancelled) or failed. An item whose group was
 * forgotten while it trained goes away now.
 */
export function settle(
  queue: QueueState,
  id: string,
  outcome: 'done' | 'cancelled' | 'failed',
  message?: string,
): QueueState {
  const settled = setItem(queue, id, { state: outcome, ...(message ? { message } : {}) });
  const groups = new Set(queue.groups.map((g) => g.id));
  return { ...settled, items: settled.items.filter((i) => groups.has(i.groupId)) };
}

/**
 * Cancels a waiting item at once. A running item is not changed here: its run must be stopped
 * first, and the run's 'stopped' outcome then settles it as cancelled.
 */
export function cancelWaiting(queue: QueueState, id: string): QueueState {
  const item = queue.items.find((i) => i.id === id);
  return item?.state === 'waiting' ? settle(queue, id, 'cancelled') : queue;
}

/**
 * Moves a waiting item `delta` places among the waiting items (−1: earlier). Finished and
 * running items keep their places: only what has not started can be reordered.
 */
export function moveWaiting(queue: QueueState, id: string, delta: number): QueueState {
  const waiting = queue.items.filter((i) => i.state === 'waiting');
  const from = waiting.findIndex((i) => i.id === id);
  if (from < 0) return queue;
  const to = Math.max(0, Math.min(waiting.length - 1, from + delta));
  if (to === from) return queue;
  const reordered = [...waiting];
  reordered.splice(to, 0, ...reordered.splice(from, 1));
  // Write the reordered waiting items back into the waiting slots, in order.
  let next = 0;
  return {
    ...queue,
    items: queue.items.map((item) => (item.state === 'waiting' ? reordered[next++] : item)),
  };
}

/** Drops a group and its items; its running item (if any) must have been stopped first. */
export function removeGroup(queue: QueueState, groupId: string): QueueState {
  return {
    ...queue,
    groups: queue.groups.filter((g) => g.id !== groupId),
    items: queue.items.filter((i) => i.groupId !== groupId || i.state === 'running'),
  };
}

/**
 * The queue as found after a reload: the item that was training went away with the page, so
 * it waits again, first in line, marked to resume from its checkpoint.
 */
export function afterReload(queue: QueueState): QueueState {
  return {
    ...queue,
    items: queue.items.map((item) =>
      item.state === 'running' ? { ...item, state: 'waiting', resume: true } : item,
    ),
  };
}

export function groupItems(queue: QueueState, groupId: string): QueueItem[] {
  return queue.items.filter((i) => i.groupId === groupId);
}
