// A demo's latest queued group: the newest 'demo' group whose meta names this demo, so the Learn
// panel shows the demo's last runs again after a reload or a switch of tabs.
import type { QueueGroup } from '../../store/queue';
import { useQueue } from '../../store/queueStore';
import type { DemoId, DemoSize } from '../../spec/demos';

/** What the Learn panel saves in a demo group's meta. */
export interface DemoMeta {
  demo: DemoId;
  size: DemoSize;
  /** The "shorten" fields at the time it was queued (0 = as the demo says). */
  maxTrainImages: number;
  maxEpochs: number;
}

export const demoMeta = (group: QueueGroup) => group.meta as unknown as DemoMeta;

export function latestDemoGroup(groups: QueueGroup[], demo: DemoId): QueueGroup | undefined {
  let latest: QueueGroup | undefined;
  for (const g of groups) {
    if (g.kind === 'demo' && g.meta.demo === demo && (!latest || g.createdAt >= latest.createdAt)) {
      latest = g;
    }
  }
  return latest;
}

export function useDemoGroup(demo: DemoId): QueueGroup | undefined {
  // The group objects keep their identity until they change, so no shallow compare is needed.
  return useQueue((q) => latestDemoGroup(q.groups, demo));
}
