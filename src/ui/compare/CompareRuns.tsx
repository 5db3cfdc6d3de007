// Several history runs side by side: overlaid curves, a table of their final metrics (CSV
// export) and what differs in their specs and recipes.
import { useMemo, type ReactNode } from 'react';
import {
  configDiff,
  distinctLabels,
  MISSING,
  settingLabel,
  summarizeRun,
  toCsv,
  type RunSummary,
} from '../../store/compare';
import { downloadFile } from '../../store/download';
import type { RunRecord } from '../../store/history';
import { imagesShort, type EvaluatedImages } from '../../spec';
import { compact, duration, formatCell, grouped } from '../format';
import { OverlayAccuracyChart, OverlayLossChart, type Series } from './OverlayCharts';
import { seriesColor } from './palette';
import './compare.css';

type Cell = string | number | null;

interface Column {
  header: string;
  /** The CSV's header: plain, with the unit. */
  csv: string;
  value(summary: RunSummary, run: RunRecord): Cell;
  /** How the table shows the value (the CSV keeps it raw). */
  show?(value: number): string;
  left?: boolean;
}

const percent = (v: number) => `${v.toFixed(2)}%`;
const scope = (images: EvaluatedImages | null) => images && `${imagesShort(images)} test images`;
const fixed = (digits: number) => (v: number) => v.toFixed(digits);

// One list for the table and the CSV, so the two never disagree.
const COLUMNS: Column[] = [
  { header: 'dataset', csv: 'dataset', value: (_, r) => r.config.dataset, left: true },
  { header: 'backend', csv: 'backend', value: (_, r) => r.backend, left: true },
  { header: 'epochs', csv: 'epochs', value: (s) => s.epochs },
  { header: 'best test', csv: 'best_test_acc_percent', value: (s) => s.bestTestAcc, show: percent },
  // Each accuracy beside the test images it was measured on (a short run's epochs check a
  // subset, its last epoch the whole split).
  { header: 'on', csv: 'best_test_images', value: (s) => scope(s.bestTestImages) },
  {
    header: 'final test',
    csv: 'final_test_acc_percent',
    value: (s) => s.finalTestAcc,
    show: percent,
  },
  { header: 'on', csv: 'final_test_images', value: (s) => scope(s.finalTestImages) },
  {
    header: 'final train',
    csv: 'final_train_acc_percent',
    value: (s) => s.finalTrainAcc,
    show: percent,
  },
  { header: 'img/s', csv: 'images_per_second', value: (s) => s.imagesPerSecond, show: fixed(1) },
  { header: 'ms/step', csv: 'ms_per_step', value: (s) => s.msPerStep, show: fixed(0) },
  { header: 'params', csv: 'params', value: (s) => s.params, show: grouped },
  { header: 'MACs', csv: 'macs', value: (s) => s.macs, show: compact },
  { header: 'time', csv: 'seconds', value: (s) => s.seconds, show: duration },
];

const showCell = (column: Column, value: Cell) => formatCell(value, column.show);

function RunChip({ index, label }: { index: number; label?: string }) {
  return (
    <span className="run-chip" title={label}>
      <span className="swatch" style={{ background: seriesColor(index) }} aria-hidden />#{index + 1}
      {label && ` ${label}`}
    </span>
  );
}

/** A titled block of the view, its table scrolling sideways when the runs' labels are long. */
function Section({
  title,
  action,
  children,
}: {
  title: string;
  action?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div>
      <div className="compare-section-head">
        <span>{title}</span>
        {action}
      </div>
      <div className="compare-scroll">{children}</div>
    </div>
  );
}

function MetricsTable({ runs, labels }: { runs: RunRecord[]; labels: string[] }) {
  const summaries = useMemo(() => runs.map(summarizeRun), [runs]);
  function exportCsv() {
    const header = ['run_id', 'run', ...COLUMNS.map((c) => c.csv)];
    const rows = summaries.map((s, i) => [
      s.runId,
      labels[i],
      ...COLUMNS.map((c) => c.value(s, runs[i])),
    ]);
    downloadFile(toCsv(header, rows), 'cardinal-compare.csv', 'text/csv');
  }
  return (
    <Section
      title="Final metrics"
      action={
        <button type="button" className="ghost small" onClick={exportCsv}>
          CSV
        </button>
      }
    >
      <table className="numbers" data-testid="compare-table">
        <thead>
          <tr>
            <th className="left">run</th>
            {COLUMNS.map((c) => (
              <th key={c.csv} className={c.left ? 'left' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {summaries.map((s, i) => (
            <tr key={s.runId} data-run={s.runId}>
              <td className="left run-label">
                <RunChip index={i} label={labels[i]} />
              </td>
              {COLUMNS.map((c) => (
                <td key={c.csv} className={c.left ? 'left' : undefined}>
                  {showCell(c, c.value(s, runs[i]))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function DiffTable({ runs, labels }: { runs: RunRecord[]; labels: string[] }) {
  const diff = useMemo(() => configDiff(runs), [runs]);
  if (diff.length === 0) {
    return (
      <p className="muted" data-testid="compare-diff">
        The runs' specs and recipes are identical.
      </p>
    );
  }
  return (
    <Section title="What differs (spec, recipe, data)">
      <table className="numbers compare-diff" data-testid="compare-diff">
        <thead>
          <tr>
            <th className="left">setting</th>
            {runs.map((r, i) => (
              <th key={r.runId} className="left" title={labels[i]}>
                <RunChip index={i} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {diff.map((d) => (
            <tr key={d.path} data-path={d.path}>
              <td className="left path" title={d.path}>
                {settingLabel(d.path)}
              </td>
              {d.values.map((v, i) => (
                <td key={runs[i].runId} className={v === MISSING ? 'left missing' : 'left'}>
                  {v}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** The compare view for runs in the order given (that order sets their colours and columns). */
export function CompareRuns({ runs, onClose }: { runs: RunRecord[]; onClose?: () => void }) {
  const labels = useMemo(() => distinctLabels(runs), [runs]);
  const series = useMemo(
    (): Series[] =>
      runs.map((r, i) => ({
        id: r.runId,
        label: `#${i + 1} ${labels[i]}`,
        color: seriesColor(i),
        losses: r.losses,
        epochs: r.epochs,
      })),
    [runs, labels],
  );
  return (
    <section className="compare-runs" data-testid="compare-runs" aria-label="Compare runs">
      <div className="compare-head">
        <h3>Comparing {runs.length} runs</h3>
        {onClose && (
          <button type="button" className="ghost small" onClick={onClose}>
            Close
          </button>
        )}
      </div>
      <div className="charts">
        <OverlayLossChart series={series} testId="compare-loss" />
        <OverlayAccuracyChart series={series} testId="compare-accuracy" />
      </div>
      <MetricsTable runs={runs} labels={labels} />
      <DiffTable runs={runs} labels={labels} />
    </section>
  );
}
