// A study's or demo's runs as the page sees them: each queue item with its run record, the live
// one while it trains (the run store's current run), else the saved one from the history.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunRecord } from '../../store/history';
import type { QueueItem } from '../../store/queue';
import { useQueue } from '../../store/queueStore';
import { useRun } from '../../store/run';
import { seriesColor } from '../compare/palette';
import type { Series } from '../compare/OverlayCharts';

export interface GroupRun {
  item: QueueItem;
  /** Undefined until the item's run has started. */
  run: RunRecord | undefined;
  /** The item's colour in every chart and table of its group. */
  color: string;
}

export function useGroupRuns(groupId: string): GroupRun[] {
  const items = useQueue(useShallow((q) => q.items.filter((i) => i.groupId === groupId)));
  const current = useRun((s) => s.current);
  const history = useRun((s) => s.history);
  return useMemo(
    () =>
      items.map((item, i) => ({
        item,
        run: current?.runId === item.id ? current : history.find((r) => r.runId === item.id),
        color: seriesColor(i),
      })),
    [items, current, history],
  );
}

/** The overlay charts' series: one per item that has started, in the item's colour. */
export function groupSeries(runs: GroupRun[]): Series[] {
  return runs.flatMap(({ item, run, color }) =>
    run ? [{ id: item.id, label: item.label, color, losses: run.losses, epochs: run.epochs }] : [],
  );
}
