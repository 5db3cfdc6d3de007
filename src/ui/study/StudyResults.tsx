// One queued study as it trains and after: its queue (state, pause, reorder, cancel), the loss
// and accuracy curves of every cardinality overlaid, the results table (CSV), and accuracy and
// step time against C.
import { useMemo, useState } from 'react';
import type { QueueGroup } from '../../store/queue';
import { downloadFile } from '../../store/download';
import { OverlayAccuracyChart, OverlayLossChart } from '../compare/OverlayCharts';
import { groupSeries, useGroupRuns } from '../queue/useGroupRuns';
import { QueueList } from '../queue/QueueList';
import { showCell, studyColumns, studyCsv, studyRows, type StudyRow } from './studyRows';
import { TaxCharts } from './TaxCharts';

const DEFAULT_TARGET = 50;

function ResultsTable({ rows, target }: { rows: StudyRow[]; target: number }) {
  const columns = studyColumns(target);
  return (
    <div className="study-scroll">
      <table className="numbers study-table" data-testid="study-table">
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={c.csv} className={i < 2 ? 'left' : undefined} title={c.title}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-c={r.cardinality} data-params={r.params} data-state={r.state}>
              {columns.map((c, i) => (
                <td key={c.csv} className={i < 2 ? 'left' : undefined}>
                  {i === 0 && (
                    <span className="swatch" style={{ background: r.color }} aria-hidden />
                  )}
                  {showCell(c, c.value(r))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StudyResults({ group }: { group: QueueGroup }) {
  const runs = useGroupRuns(group.id);
  const [target, setTarget] = useState(DEFAULT_TARGET);
  const series = useMemo(() => groupSeries(runs), [runs]);
  const rows = useMemo(() => studyRows(runs, target), [runs, target]);
  const equal = group.meta.keepComplexity !== false;

  return (
    <div className="study-results" data-testid="study-results" data-group={group.id}>
      <QueueList groupId={group.id} />
      <div className="charts">
        <OverlayLossChart series={series} testId="study-loss" />
        <OverlayAccuracyChart series={series} testId="study-accuracy" />
      </div>
      <div>
        <div className="study-section-head">
          <span>Results</span>
          <label className="study-target">
            target test accuracy
            <input
              type="number"
              data-testid="study-target"
              min={1}
              max={100}
              value={target}
              onChange={(e) => {
                const n = Number(e.target.value);
                if (e.target.value !== '' && n > 0 && n <= 100) setTarget(n);
              }}
            />
            %
          </label>
          <button
            type="button"
            className="ghost small"
            data-testid="study-csv"
            title="Save this table as cardinality-study.csv"
            onClick={() =>
              downloadFile(studyCsv(rows, target), 'cardinality-study.csv', 'text/csv')
            }
          >
            CSV
          </button>
        </div>
        <ResultsTable rows={rows} target={target} />
      </div>
      <TaxCharts rows={rows} equal={equal} />
      <p className="muted study-hint">
        {equal
          ? 'Every C has about the same params and multiply-adds, so a difference in accuracy comes from cardinality, and a difference in step time is the price of many thin convs: the cardinality tax.'
          : 'These arms kept the template’s widths, so they differ in size too: accuracy and step time mix cardinality with complexity.'}
      </p>
    </div>
  );
}
