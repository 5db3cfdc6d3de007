// The cardinality study's numbers as plain data: one row per arm (its C and d, params, MACs,
// speed, best accuracy and when it reached the target), and one column list that both the
// results table and the CSV use, so the two never disagree. No React here (unit-tested).
import { analyze, imagesShort, type ArchSpec } from '../../spec';
import { summarizeRun, timeToAccuracy, toCsv, type RunSummary } from '../../store/compare';
import type { RunRecord } from '../../store/history';
import type { QueueItem } from '../../store/queue';
import { compact, duration, formatCell, grouped } from '../format';

/** What a row needs of a group's run (useGroupRuns' entries fit). */
export interface StudyEntry {
  item: Pick<QueueItem, 'id' | 'label' | 'state' | 'experiment'>;
  run: RunRecord | undefined;
  color: string;
}

export interface StudyRow {
  id: string;
  label: string;
  color: string;
  state: QueueItem['state'];
  cardinality: number;
  /** Per-path width d of each bottleneck stage, "16/32/64". */
  d: string;
  params: number;
  macs: number;
  imagesPerSecond: number | null;
  msPerStep: number | null;
  /** Percent; null before the first epoch. */
  bestTestAcc: number | null;
  /** "first 1,000" or "all 10,000": the test images behind bestTestAcc. */
  bestTestImages: string | null;
  epochs: number;
  /** The first epoch at or above the target accuracy, and the training time until then. */
  epochsToTarget: number | null;
  secondsToTarget: number | null;
}

/** The spec's cardinality (its first bottleneck stage's) and d per bottleneck stage. */
export function cardinalityOf(spec: ArchSpec): { cardinality: number; d: string } {
  const bottlenecks = spec.stages.filter((s) => s.block === 'bottleneck');
  const ds = bottlenecks.map((s) => s.bottleneckWidth / s.cardinality);
  return { cardinality: bottlenecks[0]?.cardinality ?? 1, d: [...new Set(ds)].join('/') };
}

// The rows are rebuilt on every progress event (4 a second): the counts of a spec and the
// summary of a finished run's record are worked out once.
const counts = new WeakMap<ArchSpec, { params: number; macs: number }>();
const summaries = new WeakMap<RunRecord, RunSummary>();

function cached<K extends object, V>(cache: WeakMap<K, V>, key: K, make: (key: K) => V): V {
  if (!cache.has(key)) cache.set(key, make(key));
  return cache.get(key)!;
}

export function studyRows(entries: StudyEntry[], target: number): StudyRow[] {
  return entries.map(({ item, run, color }) => {
    const { spec } = item.experiment;
    const { params, macs } = cached(counts, spec, (s) => analyze(s).totals);
    const summary = run ? cached(summaries, run, summarizeRun) : null;
    const reached = run ? timeToAccuracy(run.epochs, target) : null;
    return {
      id: item.id,
      label: item.label,
      color,
      state: item.state,
      ...cardinalityOf(spec),
      params,
      macs,
      imagesPerSecond: summary?.imagesPerSecond ?? null,
      msPerStep: summary?.msPerStep ?? null,
      bestTestAcc: summary?.bestTestAcc ?? null,
      bestTestImages: summary?.bestTestImages ? imagesShort(summary.bestTestImages) : null,
      epochs: summary?.epochs ?? 0,
      epochsToTarget: reached?.epoch ?? null,
      secondsToTarget: reached?.seconds ?? null,
    };
  });
}

export interface StudyColumn {
  header: string;
  /** The CSV's header: plain, with the unit. */
  csv: string;
  value(row: StudyRow): string | number | null;
  /** How the table shows a number (the CSV keeps it raw). */
  show?(value: number): string;
  /** A hover explanation for the table's header. */
  title?: string;
}

const fixed = (digits: number) => (v: number) => v.toFixed(digits);

/** The results' columns; the last two depend on the target accuracy (in %). */
export function studyColumns(target: number): StudyColumn[] {
  return [
    { header: 'C', csv: 'cardinality', value: (r) => r.cardinality, title: 'cardinality: paths' },
    { header: 'd', csv: 'd_per_stage', value: (r) => r.d, title: 'width of each path, per stage' },
    { header: 'params', csv: 'params', value: (r) => r.params, show: grouped },
    { header: 'MACs', csv: 'macs', value: (r) => r.macs, show: compact, title: 'per image' },
    { header: 'img/s', csv: 'images_per_second', value: (r) => r.imagesPerSecond, show: fixed(1) },
    { header: 'ms/step', csv: 'ms_per_step', value: (r) => r.msPerStep, show: fixed(0) },
    {
      header: 'best test',
      csv: 'best_test_acc_percent',
      value: (r) => r.bestTestAcc,
      show: (v) => `${v.toFixed(2)}%`,
    },
    {
      header: 'on',
      csv: 'best_test_images',
      value: (r) => r.bestTestImages && `${r.bestTestImages} test images`,
      title: 'the test images the best accuracy was measured on',
    },
    { header: 'epochs', csv: 'epochs_trained', value: (r) => r.epochs },
    {
      header: `epochs to ${target}%`,
      csv: `epochs_to_${target}pct`,
      value: (r) => r.epochsToTarget,
      title: `the first epoch whose test accuracy reached ${target}%`,
    },
    {
      header: `time to ${target}%`,
      csv: `seconds_to_${target}pct`,
      value: (r) => r.secondsToTarget,
      show: duration,
      title: `training time until the test accuracy reached ${target}%`,
    },
  ];
}

/** A cell as the table shows it: "—" where there is no number yet. */
export const showCell = (column: StudyColumn, value: string | number | null) =>
  formatCell(value, column.show);

/** The table as CSV: the run's id and label, its state, then every column raw. */
export function studyCsv(rows: StudyRow[], target: number): string {
  const columns = studyColumns(target);
  return toCsv(
    ['run_id', 'run', 'state', ...columns.map((c) => c.csv)],
    rows.map((r) => [r.id, r.label, r.state, ...columns.map((c) => c.value(r))]),
  );
}

/** 1.023 → "+2.3%", 0.99 → "−1.0%", 1 → "0.0%". */
export function signedPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  const p = (ratio - 1) * 100;
  if (Math.abs(p) < 0.05) return '0.0%';
  return `${p > 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
}
