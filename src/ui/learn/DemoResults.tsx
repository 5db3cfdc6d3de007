// A demo's latest queued runs: the queue's list, the overlaid loss and test-accuracy curves, a
// table of parameters, multiply-adds and accuracies side by side, and for the augmentation demo
// train against test accuracy (the gap).
import { useMemo } from 'react';
import type { Demo } from '../../spec/demos';
import { summarizeRun } from '../../store/compare';
import type { QueueGroup } from '../../store/queue';
import { useQueue } from '../../store/queueStore';
import { OverlayAccuracyChart, OverlayLossChart, type Series } from '../compare/OverlayCharts';
import { seriesColor } from '../compare/palette';
import { Scope } from '../AccuracyScope';
import { compact, grouped } from '../format';
import { QueueList } from '../queue/QueueList';
import { groupSeries, useGroupRuns, type GroupRun } from '../queue/useGroupRuns';
import { demoMeta } from './useDemoGroup';

const percent = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)}%`);

function ResultsTable({ runs }: { runs: GroupRun[] }) {
  const rows = runs.map(({ item, run, color }) => ({
    id: item.id,
    label: item.label,
    color,
    summary: run ? summarizeRun(run) : null,
  }));
  return (
    <table className="numbers learn-results" data-testid="learn-results">
      <thead>
        <tr>
          <th>network</th>
          <th>parameters</th>
          <th>multiply-adds</th>
          <th>best test</th>
          <th>last train</th>
          <th>last test</th>
          <th title="last epoch's train accuracy minus its test accuracy">gap</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ id, label, color, summary: s }) => (
          <tr key={id} data-label={label}>
            <td>
              <span className="swatch" style={{ background: color }} aria-hidden />
              {label}
            </td>
            <td>{s ? grouped(s.params) : '—'}</td>
            <td>{s ? compact(s.macs) : '—'}</td>
            <td>
              {percent(s?.bestTestAcc ?? null)}
              <Scope images={s?.bestTestImages} />
            </td>
            <td>{percent(s?.finalTrainAcc ?? null)}</td>
            <td>
              {percent(s?.finalTestAcc ?? null)}
              <Scope images={s?.finalTestImages} />
            </td>
            <td>
              {s?.finalTrainAcc != null && s.finalTestAcc !== null
                ? `${(s.finalTrainAcc - s.finalTestAcc).toFixed(1)} pts`
                : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Each run twice: its test accuracy in the run's colour (as in the other charts) and its train
 * accuracy in a colour after the runs'.
 */
function gapSeries(series: Series[]): Series[] {
  return series.flatMap((s, i) => [
    { ...s, id: `${s.id}-test`, label: `${s.label}: test` },
    {
      ...s,
      id: `${s.id}-train`,
      label: `${s.label}: train`,
      color: seriesColor(series.length + i),
      epochs: s.epochs.map((e) => ({ ...e, testAcc: e.trainAcc })),
    },
  ]);
}

export function DemoResults({
  demo,
  group,
  charts = true,
}: {
  demo: Demo;
  group: QueueGroup;
  /** Whether to draw the overlay charts (not when the reference charts draw these runs). */
  charts?: boolean;
}) {
  const runs = useGroupRuns(group.id);
  const series = useMemo(() => groupSeries(runs), [runs]);
  const gap = useMemo(() => gapSeries(series), [series]);
  const meta = demoMeta(group);
  const shortened = [
    meta.maxTrainImages ? `≤ ${grouped(meta.maxTrainImages)} train images` : '',
    meta.maxEpochs ? `≤ ${meta.maxEpochs} epoch${meta.maxEpochs === 1 ? '' : 's'}` : '',
  ].filter(Boolean);

  return (
    <div className="learn-results-block" data-testid="learn-group" data-size={meta.size}>
      <div className="learn-results-head">
        <h4>
          Latest run: {meta.size} size
          {shortened.length > 0 && `, shortened to ${shortened.join(' and ')}`}
        </h4>
        <span className="muted">queued {new Date(group.createdAt).toLocaleString()}</span>
        <button
          type="button"
          className="ghost small"
          data-testid="learn-forget"
          title="Remove these runs from the queue and this view; they stay in the run history"
          onClick={() => useQueue.getState().forget(group.id)}
        >
          Forget
        </button>
      </div>
      <QueueList groupId={group.id} />
      {charts && (
        <div className="learn-charts" data-present="demo-controls">
          <OverlayLossChart
            series={series}
            testId="learn-loss"
            fileName={`learn-${demo.id}-loss.png`}
          />
          <OverlayAccuracyChart
            series={series}
            testId="learn-accuracy"
            fileName={`learn-${demo.id}-accuracy.png`}
          />
          {demo.extra === 'gap' && (
            <OverlayAccuracyChart
              series={gap}
              testId="learn-gap"
              title="Train vs test accuracy per epoch (%)"
              fileName={`learn-${demo.id}-gap.png`}
            />
          )}
        </div>
      )}
      <ResultsTable runs={runs} />
    </div>
  );
}
