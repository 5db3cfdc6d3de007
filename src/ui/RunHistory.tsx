import { useEffect, useMemo, useState } from 'react';
import { useCompareSelection } from '../store/compareSelection';
import { testImagesOf } from '../spec';
import { describeRun } from '../store/history';
import { Scope } from './AccuracyScope';
import { useRun } from '../store/run';
import { CompareRuns } from './compare/CompareRuns';
import { HistoryExportButton } from './ExportImport';

/**
 * Every run this browser has trained; open one, resume an interrupted one, delete, or tick two
 * or more and compare them below the table.
 */
export function RunHistory() {
  // Selectors, not the whole store: progress events arrive every 250 ms while training.
  const history = useRun((s) => s.history);
  const status = useRun((s) => s.status);
  const { loadHistory, open, remove, resumeInterrupted } = useRun.getState();
  const busy = status === 'running' || status === 'paused';
  const selected = useCompareSelection((s) => s.selected);
  const { toggle, clear } = useCompareSelection.getState();
  const [comparing, setComparing] = useState(false);
  // In ticking order; a deleted run drops out of the comparison by itself.
  const picked = useMemo(
    () => selected.flatMap((id) => history.filter((run) => run.runId === id)),
    [selected, history],
  );
  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);
  if (history.length === 0) {
    return (
      <p className="muted" data-testid="run-history">
        No runs yet.
      </p>
    );
  }
  return (
    <>
      <table className="numbers" data-testid="run-history">
        <thead>
          <tr>
            <th className="pick" aria-label="compare"></th>
            <th className="left">started</th>
            <th className="left">run</th>
            <th className="left">data</th>
            <th className="left">backend</th>
            <th className="left">status</th>
            <th>test acc.</th>
            <th className="left"></th>
          </tr>
        </thead>
        <tbody>
          {history.map((run) => {
            const last = run.epochs[run.epochs.length - 1];
            return (
              <tr key={run.runId} data-run={run.runId} data-status={run.status}>
                <td className="pick">
                  <input
                    type="checkbox"
                    data-testid={`compare-check-${run.runId}`}
                    aria-label="Select for comparison"
                    checked={selected.includes(run.runId)}
                    onChange={() => toggle(run.runId)}
                  />
                </td>
                <td className="left">{new Date(run.createdAt).toLocaleString()}</td>
                <td className="left">
                  {run.imported
                    ? `Imported ${run.imported.fileName}: ${describeRun(run.config.spec, run.config.recipe)}`
                    : describeRun(run.config.spec, run.config.recipe)}
                </td>
                <td className="left">{run.config.dataset}</td>
                <td className="left">{run.backend ?? '—'}</td>
                <td className="left">{run.imported ? 'imported' : run.status}</td>
                <td>
                  {last ? `${last.testAcc.toFixed(2)}%` : '—'}
                  {last && <Scope images={testImagesOf(last, run.config.limitTest)} />}
                </td>
                <td className="left actions">
                  <button type="button" className="ghost" disabled={busy} onClick={() => open(run)}>
                    Open
                  </button>
                  <HistoryExportButton run={run} />
                  {run.status === 'interrupted' && (
                    <button type="button" disabled={busy} onClick={() => resumeInterrupted(run)}>
                      Resume
                    </button>
                  )}
                  <button
                    type="button"
                    className="ghost"
                    disabled={busy}
                    onClick={() => remove(run.runId)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="history-compare-bar">
        <button
          type="button"
          data-testid="compare-selected"
          disabled={picked.length < 2}
          title={picked.length < 2 ? 'Tick two or more runs to compare them' : undefined}
          onClick={() => setComparing(true)}
        >
          Compare selected ({picked.length})
        </button>
        {selected.length > 0 && (
          <button
            type="button"
            className="ghost"
            onClick={() => {
              clear();
              setComparing(false);
            }}
          >
            Clear selection
          </button>
        )}
      </div>
      {comparing && picked.length >= 2 && (
        <CompareRuns runs={picked} onClose={() => setComparing(false)} />
      )}
    </>
  );
}
