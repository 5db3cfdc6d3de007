import type { RunRecord } from '../store/history';
import { useRun } from '../store/run';

/**
 * How the run fits in the backend's memory (the preflight's note: checkpointed blocks or
 * micro-batches), what the page did when the backend died under it, and after a memory failure
 * the offer to go on with a smaller batch.
 */
export function RunMemoryNotes({ run }: { run: RunRecord }) {
  const { recoveryNote, status, retryWithBatch } = useRun();
  const note = run.memory?.note;
  const recoveries = run.recoveries ?? [];
  const offer = status === 'error' && run.smallerBatch ? run.smallerBatch : null;
  if (!note && !recoveries.length && !offer) return null;
  return (
    <div className="run-notes">
      {note && (
        <p className="banner info" data-testid="memory-note">
          {note}
        </p>
      )}
      {recoveries.length > 0 && (
        <p className="banner info" role="status" data-testid="recovery-note">
          {recoveryNote ??
            `The backend died ${recoveries.length}× during this run; each time the page ` +
              'replaced the worker and resumed from the last checkpoint.'}
          {recoveries.length > 1 && ` (${recoveries.length} recoveries so far.)`}
        </p>
      )}
      {offer && (
        <button
          type="button"
          data-testid="retry-smaller"
          onClick={() => retryWithBatch(run, offer)}
        >
          Continue with batch {offer}
        </button>
      )}
    </div>
  );
}
