import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../spec';
import { filterGradTable } from './filterGradTable';

describe('filter-gradient threads per conv (dispatch geometry)', () => {
  it.each(['resnet20', 'resnext20_4x16d'])(
    '%s at batch 128: every conv launches ≥ 32,768 threads, the reduction split',
    (name) => {
      const spec = presetSpec(name);
      expect(spec).toBeTruthy();
      const rows = filterGradTable(spec!, 128);
      expect(rows.length).toBeGreaterThan(10);
      for (const row of rows) {
        expect(row.invocations, row.conv).toBeGreaterThanOrEqual(32_768);
        // The reduction is split: no thread walks the whole batch, as each of TF.js's does.
        expect(row.splits, row.conv).toBeGreaterThan(1);
        expect(row.dispatched).toBeGreaterThanOrEqual(row.invocations);
      }
    },
  );

  it('lists grouped convs with their groups (resnext20_4x16d has C = 4)', () => {
    const rows = filterGradTable(presetSpec('resnext20_4x16d')!, 128);
    expect(rows.some((r) => r.groups === 4)).toBe(true);
    expect(rows[0].conv).toBe('conv1');
  });
});
