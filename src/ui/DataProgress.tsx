// The data operation under way (the lab's server fetching the archive, the shards coming into
// the browser, an import), with a Cancel. Shown in the Data panel and wherever a click started
// it: Train, a demo, a study.
import { DATASETS, formatBytes, type DataProgress as Progress } from '../data';
import { useData, type DataOperation } from '../store/data';
import { runningItem, type QueueGroup } from '../store/queue';
import { useQueue } from '../store/queueStore';
import { duration } from './format';

function caption(operation: DataOperation, progress: Progress | null): string {
  const title = operation.dataset ? DATASETS[operation.dataset].title : '';
  if (operation.kind === 'import') return `Importing ${operation.source}`;
  if (operation.kind === 'remove') return `Removing ${title}`;
  if (progress?.phase === 'fetch') {
    return `The lab's server is downloading ${operation.dataset ? DATASETS[operation.dataset].archiveName : 'the archive'}`;
  }
  if (progress?.phase === 'download') return `Storing ${title} in this browser`;
  return `Getting ${title}`;
}

/**
 * `testId` names the bar (its Cancel is `${testId}-cancel`): one per place it is shown.
 * `forQueued`: shown only while the queue's running item is one of a demo's (or a study's), so
 * the bar appears beside the button that started it, not in every panel at once.
 */
export function DataProgress({
  testId = 'data-progress',
  forQueued,
}: {
  testId?: string;
  forQueued?: QueueGroup['kind'];
}) {
  const operation = useData((s) => s.operation);
  const queuedKind = useQueue((q) => {
    const item = runningItem(q);
    return q.groups.find((g) => g.id === item?.groupId)?.kind;
  });
  if (!operation || (forQueued && (queuedKind !== forQueued || operation.kind !== 'download'))) {
    return null;
  }
  const { progress } = operation;
  const total = progress?.totalBytes;
  const loaded = progress?.loadedBytes ?? 0;
  const percent = total ? Math.min(100, (100 * loaded) / total) : undefined;
  const what = caption(operation, progress);
  const rate = progress?.bytesPerSecond;
  const eta = progress?.etaSeconds;
  return (
    <div className="data-progress" data-phase={progress?.phase ?? ''}>
      <progress
        data-testid={testId}
        max={100}
        value={percent}
        aria-label={what}
        data-loaded={loaded}
        data-total={total ?? ''}
      />
      <span className="muted" data-testid={`${testId}-text`}>
        {what}: {formatBytes(loaded)}
        {total ? ` of ${formatBytes(total)}` : ''}
        {rate ? ` · ${formatBytes(rate)}/s` : ''}
        {eta !== undefined && Number.isFinite(eta) ? ` · ${duration(eta)} left` : ''}
        {progress?.item && progress.phase !== 'fetch' ? ` — ${progress.item}` : ''}
        {progress?.phase === 'fetch' && progress.item ? ` (from ${progress.item})` : ''}
      </span>
      {operation.kind !== 'remove' && (
        <button
          type="button"
          className="ghost small"
          data-testid={`${testId}-cancel`}
          onClick={() => useData.getState().cancel()}
        >
          Cancel
        </button>
      )}
    </div>
  );
}
