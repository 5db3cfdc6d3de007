// Which history runs are ticked for comparison, in the order they were ticked (that order gives
// each run its colour and column). A store of its own so the history rows, the compare view and
// the cardinality study share one selection.
import { create } from 'zustand';

interface CompareSelection {
  selected: string[];
  toggle(runId: string): void;
  clear(): void;
}

export const useCompareSelection = create<CompareSelection>((set) => ({
  selected: [],
  toggle: (runId) =>
    set(({ selected }) => ({
      selected: selected.includes(runId)
        ? selected.filter((id) => id !== runId)
        : [...selected, runId],
    })),
  clear: () => set({ selected: [] }),
}));
