// A study's or demo's place in the run queue: each run with its state (running with its
// progress, done with its best accuracy, waiting, failed with why, cancelled), and the controls
// the queue offers: pause/continue, move a waiting run up or down, cancel one or all.
import { testImagesOf } from '../../spec';
import { isFinished } from '../../store/queue';
import { Scope } from '../AccuracyScope';
import { useQueue } from '../../store/queueStore';
import { useRun } from '../../store/run';
import { useGroupRuns, type GroupRun } from './useGroupRuns';
import './queue.css';

function ItemDetail({ item, run }: GroupRun) {
  const progress = useRun((s) => (s.progress?.runId === item.id ? s.progress : null));
  const paused = useRun((s) => s.status === 'paused' && s.current?.runId === item.id);
  const stopping = useRun((s) => s.stopping && s.current?.runId === item.id);
  const epochs = item.experiment.recipe.epochs;
  if (item.state === 'running') {
    if (stopping) return <>stopping…</>;
    if (!progress) return <>starting…</>;
    const at = `epoch ${progress.epoch + 1}/${epochs}, step ${progress.step}/${progress.stepsPerEpoch}`;
    return (
      <>{paused ? `paused at ${at}` : `${at} · ${progress.imagesPerSecond.toFixed(0)} img/s`}</>
    );
  }
  if (item.state === 'failed') return <>{item.message ?? 'failed'}</>;
  const trained = run?.epochs ?? [];
  const best = trained.length ? trained.reduce((a, b) => (b.testAcc > a.testAcc ? b : a)) : null;
  if (best === null)
    return <>{item.state === 'waiting' ? `${epochs} epoch${epochs === 1 ? '' : 's'}` : ''}</>;
  return (
    <>
      best test {best.testAcc.toFixed(2)}%
      <Scope images={testImagesOf(best, run!.config.limitTest)} /> after {trained.length} epoch
      {trained.length === 1 ? '' : 's'}
    </>
  );
}

export function QueueList({ groupId }: { groupId: string }) {
  const runs = useGroupRuns(groupId);
  const held = useQueue((q) => q.held);
  const heldBecause = useQueue((q) => q.heldBecause);
  const { hold, release, cancel, cancelGroup, move } = useQueue.getState();
  const waiting = runs.filter((r) => r.item.state === 'waiting').map((r) => r.item.id);
  const unfinished = runs.some((r) => !isFinished(r.item));
  const done = runs.filter((r) => r.item.state === 'done').length;

  return (
    <div className="queue-list" data-testid="queue-list" data-held={held}>
      <div className="queue-header">
        <span data-testid="queue-summary">
          {done} of {runs.length} done
          {held && unfinished && ' · queue paused'}
        </span>
        {unfinished &&
          (held ? (
            <button type="button" className="small" data-testid="queue-release" onClick={release}>
              ▶ Continue queue
            </button>
          ) : (
            <button type="button" className="small" data-testid="queue-hold" onClick={hold}>
              ❚❚ Pause queue
            </button>
          ))}
        {unfinished && (
          <button
            type="button"
            className="ghost small"
            data-testid="queue-cancel-group"
            onClick={() => cancelGroup(groupId)}
          >
            Cancel the rest
          </button>
        )}
      </div>
      {heldBecause && (
        <p className="error" role="alert" data-testid="queue-held-because">
          {heldBecause} Fix the cause, then continue the queue.
        </p>
      )}
      <ol className="queue-items">
        {runs.map((entry) => {
          const { item, color } = entry;
          const position = waiting.indexOf(item.id);
          return (
            <li
              key={item.id}
              className={`queue-item ${item.state}`}
              data-testid="queue-item"
              data-state={item.state}
              data-label={item.label}
            >
              <span className="swatch" style={{ background: color }} aria-hidden />
              <span className="queue-label">{item.label}</span>
              <span className={`queue-state ${item.state}`}>{item.state}</span>
              <span className="queue-detail muted">
                <ItemDetail {...entry} />
              </span>
              <span className="queue-actions">
                {item.state === 'waiting' && (
                  <>
                    <button
                      type="button"
                      className="ghost small"
                      aria-label={`move ${item.label} earlier`}
                      data-testid="queue-up"
                      disabled={position === 0}
                      onClick={() => move(item.id, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      className="ghost small"
                      aria-label={`move ${item.label} later`}
                      data-testid="queue-down"
                      disabled={position === waiting.length - 1}
                      onClick={() => move(item.id, 1)}
                    >
                      ↓
                    </button>
                  </>
                )}
                {!isFinished(item) && (
                  <button
                    type="button"
                    className="ghost small"
                    aria-label={`cancel ${item.label}`}
                    data-testid="queue-cancel"
                    onClick={() => cancel(item.id)}
                  >
                    ✕
                  </button>
                )}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
