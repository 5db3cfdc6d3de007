import { describe, expect, it } from 'vitest';
import { mergeByX } from './merge';

describe('mergeByX', () => {
  it('makes one row per x, sorted, with a column per series and gaps where one has no point', () => {
    expect(
      mergeByX([
        [
          { x: 1, y: 10 },
          { x: 3, y: 30 },
        ],
        [
          { x: 2, y: 2 },
          { x: 3, y: 3 },
          { x: 4, y: 4 },
        ],
      ]),
    ).toEqual([
      { x: 1, s0: 10 },
      { x: 2, s1: 2 },
      { x: 3, s0: 30, s1: 3 },
      { x: 4, s1: 4 },
    ]);
  });

  it('is empty for no series or empty ones', () => {
    expect(mergeByX([])).toEqual([]);
    expect(mergeByX([[], []])).toEqual([]);
  });
});
