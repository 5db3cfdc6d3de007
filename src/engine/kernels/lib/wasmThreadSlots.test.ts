import { describe, expect, it } from 'vitest';
import { CLAIM, controlWords, runClaims } from './wasmThreadSlots';

describe('runClaims', () => {
  it('runs every item once, in chunks, and says how many it ran', () => {
    const control = new Int32Array(new SharedArrayBuffer(controlWords(1) * 4));
    const ranges: [number, number][] = [];
    const ran = runClaims(control, (_tag, from, to) => ranges.push([from, to]), [7], 10, 4);
    expect(ranges).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(ran).toBe(10);
  });

  it('leaves the chunks another thread claimed to it', () => {
    const control = new Int32Array(new SharedArrayBuffer(controlWords(1) * 4));
    const ranges: [number, number][] = [];
    // Another thread has taken the first two chunks already; inside a chunk, it takes the next.
    Atomics.store(control, CLAIM, 8);
    const program = (from: number, to: number) => {
      ranges.push([from, to]);
      if (from === 8) Atomics.add(control, CLAIM, 4);
    };
    const ran = runClaims(control, (_tag, from, to) => program(from, to), [0], 20, 4);
    expect(ranges).toEqual([
      [8, 12],
      [16, 20],
    ]);
    expect(ran).toBe(8);
  });

  it('passes the fixed arguments before each chunk’s range', () => {
    const control = new Int32Array(new SharedArrayBuffer(controlWords(1) * 4));
    const calls: number[][] = [];
    runClaims(control, (...args) => calls.push(args), [3, 5], 2, 2);
    expect(calls).toEqual([[3, 5, 0, 2]]);
  });
});
