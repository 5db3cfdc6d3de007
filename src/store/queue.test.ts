import { describe, expect, it } from 'vitest';
import { presetRecipe, presetSpec } from '../spec';
import {
  addGroup,
  afterReload,
  cancelWaiting,
  EMPTY_QUEUE,
  markRunning,
  moveWaiting,
  nextItem,
  removeGroup,
  settle,
  type QueueState,
} from './queue';

const experiment = {
  spec: presetSpec('resnet8')!,
  recipe: presetRecipe('quick')!,
  dataset: 'cifar10' as const,
  limitTrain: 64,
};
const group = (id: string) => ({ id, title: id, kind: 'study' as const, createdAt: 0, meta: {} });

/** A study of three items a, b, c (and optionally a second group with d). */
function queueOf(...ids: string[]): QueueState {
  return addGroup(
    EMPTY_QUEUE,
    group('g'),
    ids.map((id) => ({ id, label: id, experiment })),
  );
}

const order = (queue: QueueState) => queue.items.map((i) => `${i.id}:${i.state}`);

describe('run queue', () => {
  it('trains items in the order they were queued, one at a time', () => {
    let queue = queueOf('a', 'b', 'c');
    expect(nextItem(queue)?.id).toBe('a');
    queue = markRunning(queue, 'a');
    expect(nextItem(queue)).toBeUndefined(); // one at a time
    queue = settle(queue, 'a', 'done');
    expect(nextItem(queue)?.id).toBe('b');
    queue = settle(markRunning(queue, 'b'), 'b', 'failed', 'diverged');
    expect(queue.items[1].message).toBe('diverged');
    expect(nextItem(queue)?.id).toBe('c');
    queue = settle(markRunning(queue, 'c'), 'c', 'done');
    expect(nextItem(queue)).toBeUndefined();
    expect(order(queue)).toEqual(['a:done', 'b:failed', 'c:done']);
  });

  it('a later group waits for the earlier one', () => {
    const queue = addGroup(queueOf('a'), group('h'), [{ id: 'd', label: 'd', experiment }]);
    expect(nextItem(queue)?.id).toBe('a');
    expect(nextItem(settle(markRunning(queue, 'a'), 'a', 'done'))?.id).toBe('d');
  });

  it('starts nothing while held', () => {
    const queue = { ...queueOf('a', 'b'), held: true };
    expect(nextItem(queue)).toBeUndefined();
    expect(nextItem({ ...queue, held: false })?.id).toBe('a');
  });

  it('cancels a waiting item at once and skips it', () => {
    const queue = cancelWaiting(markRunning(queueOf('a', 'b', 'c'), 'a'), 'b');
    expect(order(queue)).toEqual(['a:running', 'b:cancelled', 'c:waiting']);
    expect(nextItem(settle(queue, 'a', 'done'))?.id).toBe('c');
  });

  it('leaves a running item to its run: it is cancelled when the run stops', () => {
    const queue = markRunning(queueOf('a', 'b'), 'a');
    expect(cancelWaiting(queue, 'a')).toBe(queue);
    expect(order(settle(queue, 'a', 'cancelled'))).toEqual(['a:cancelled', 'b:waiting']);
  });

  it('reorders only waiting items, among waiting items', () => {
    let queue = markRunning(queueOf('a', 'b', 'c', 'd'), 'a');
    queue = moveWaiting(queue, 'd', -1);
    expect(order(queue)).toEqual(['a:running', 'b:waiting', 'd:waiting', 'c:waiting']);
    queue = moveWaiting(queue, 'd', -5); // clamped to the first waiting slot
    expect(order(queue)).toEqual(['a:running', 'd:waiting', 'b:waiting', 'c:waiting']);
    expect(moveWaiting(queue, 'a', 1)).toBe(queue); // the running item stays
    expect(moveWaiting(queue, 'c', 1)).toBe(queue); // already last
    queue = settle(queue, 'a', 'done');
    expect(nextItem(queue)?.id).toBe('d');
  });

  it('after a reload, resumes the interrupted item first and keeps the rest in order', () => {
    let queue = settle(markRunning(queueOf('a', 'b', 'c'), 'a'), 'a', 'done');
    queue = moveWaiting(markRunning(queue, 'b'), 'c', -1); // nothing to move past: no change
    const reloaded = afterReload(JSON.parse(JSON.stringify(queue)) as QueueState);
    expect(order(reloaded)).toEqual(['a:done', 'b:waiting', 'c:waiting']);
    expect(reloaded.items[1].resume).toBe(true);
    expect(nextItem(reloaded)?.id).toBe('b');
    // Once started again it is an ordinary running item.
    expect(markRunning(reloaded, 'b').items[1]).toMatchObject({ state: 'running', resume: false });
  });

  it('resumes the interrupted item even when a waiting item was moved before it', () => {
    const queue = afterReload(markRunning(queueOf('a', 'b'), 'b'));
    expect(nextItem(queue)?.id).toBe('b');
  });

  it('forgetting a group drops its items but lets its running item settle first', () => {
    let queue = addGroup(markRunning(queueOf('a', 'b'), 'a'), group('h'), [
      { id: 'd', label: 'd', experiment },
    ]);
    queue = removeGroup(queue, 'g');
    expect(order(queue)).toEqual(['a:running', 'd:waiting']);
    expect(nextItem(queue)).toBeUndefined();
    queue = settle(queue, 'a', 'cancelled');
    expect(order(queue)).toEqual(['d:waiting']);
    expect(nextItem(queue)?.id).toBe('d');
  });
});
