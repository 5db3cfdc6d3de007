// Comparing runs from the history: what differs in their configs, one summary row per run, time
// to a target accuracy and CSV. Pure functions (no React, no DOM), shared by the compare view and
// the cardinality study.
import { analyze } from '../spec';
import type { EpochMetrics } from '../worker/protocol';
import { describeRun, type RunRecord } from './history';

/** Shown where a path exists in some runs' configs but not in this one's. */
export const MISSING = '—';

type Leaf = string | number | boolean | null | undefined;

function formatLeaf(value: Leaf): string {
  if (value === undefined) return MISSING;
  if (value === null) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/**
 * Flattens plain data into dotted paths, arrays by index. Empty arrays and objects are leaves
 * ("[]", "{}"), so a run with no milestones still differs from one with some.
 */
function flatten(value: unknown, prefix: string, out: Map<string, string>) {
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(prefix, Array.isArray(value) ? '[]' : '{}');
    for (const [key, child] of entries) flatten(child, `${prefix}.${key}`, out);
  } else {
    out.set(prefix, formatLeaf(value as Leaf));
  }
}

function flatConfig(run: RunRecord): Map<string, string> {
  const out = new Map<string, string>();
  flatten(run.config.spec, 'spec', out);
  flatten(run.config.recipe, 'recipe', out);
  flatten(run.config.dataset, 'dataset', out);
  flatten(run.config.limitTrain, 'limitTrain', out);
  return out;
}

/**
 * The config paths (spec, recipe, dataset, train limit) whose values differ between the runs, in
 * the order they first appear, with one formatted value per run (MISSING where a run lacks it,
 * e.g. the milestones of a run whose schedule is not multistep).
 */
export function configDiff(runs: RunRecord[]): { path: string; values: string[] }[] {
  const flat = runs.map(flatConfig);
  const paths = new Set(flat.flatMap((f) => [...f.keys()]));
  const diff: { path: string; values: string[] }[] = [];
  for (const path of paths) {
    const values = flat.map((f) => f.get(path) ?? MISSING);
    if (values.some((v) => v !== values[0])) diff.push({ path, values });
  }
  return diff;
}

/**
 * A short name for a differing path: its last key, with the array index before it when there is
 * one ("recipe.optimizer.lr" → "lr", "spec.stages.1.cardinality" → "stages.1.cardinality").
 */
export function shortPath(path: string): string {
  const parts = path.split('.');
  const index = parts.findLastIndex((p) => /^\d+$/.test(p));
  return index > 0 ? parts.slice(index - 1).join('.') : parts[parts.length - 1];
}

/**
 * Legend labels that tell the runs apart: describeRun() plus up to `maxDiffs` differing values
 * (two runs that differ only in their learning rate would otherwise share one label).
 */
export function distinctLabels(runs: RunRecord[], maxDiffs = 2): string[] {
  const diff = configDiff(runs)
    // describeRun already says the blocks per stage, epochs and batch size.
    .filter((d) => !/^recipe\.(epochs|batchSize)$|^spec\.stages\.\d+\.blocks$/.test(d.path))
    .slice(0, maxDiffs);
  return runs.map((run, i) => {
    const extra = diff.map((d) => `${shortPath(d.path)} ${d.values[i]}`).join(', ');
    const label = summaryLabel(run);
    return extra ? `${label} · ${extra}` : label;
  });
}

export interface RunSummary {
  runId: string;
  label: string;
  epochs: number;
  /** Accuracies in percent; null before the first epoch. */
  bestTestAcc: number | null;
  finalTestAcc: number | null;
  finalTrainAcc: number | null;
  finalTestLoss: number | null;
  /** Training time: the sum of the epochs' seconds. */
  seconds: number;
  imagesPerSecond: number | null;
  /** Milliseconds per training step at the run's batch size. */
  msPerStep: number | null;
  params: number;
  macs: number;
}

function summaryLabel(run: RunRecord): string {
  const label = describeRun(run.config.spec, run.config.recipe);
  return run.imported ? `Imported ${run.imported.fileName}: ${label}` : label;
}

export function summarizeRun(run: RunRecord): RunSummary {
  const { epochs } = run;
  const last = epochs.at(-1);
  const ips = run.imagesPerSecond && run.imagesPerSecond > 0 ? run.imagesPerSecond : null;
  const { params, macs } = analyze(run.config.spec).totals;
  return {
    runId: run.runId,
    label: summaryLabel(run),
    epochs: epochs.length,
    bestTestAcc: epochs.length ? Math.max(...epochs.map((e) => e.testAcc)) : null,
    finalTestAcc: last?.testAcc ?? null,
    finalTrainAcc: last?.trainAcc ?? null,
    finalTestLoss: last?.testLoss ?? null,
    seconds: epochs.reduce((total, e) => total + e.seconds, 0),
    imagesPerSecond: ips,
    msPerStep: ips === null ? null : (run.config.recipe.batchSize * 1000) / ips,
    params,
    macs,
  };
}

/** The first epoch whose test accuracy (%) reaches `target`, and the training seconds until then. */
export function timeToAccuracy(
  epochs: EpochMetrics[],
  target: number,
): { epoch: number; seconds: number } | null {
  let seconds = 0;
  for (const e of epochs) {
    seconds += e.seconds;
    if (e.testAcc >= target) return { epoch: e.epoch, seconds };
  }
  return null;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  // NaN (the train metrics of an imported run) is no number a spreadsheet reads.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** RFC 4180: CRLF line ends, fields with commas, quotes or line breaks quoted, quotes doubled. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('');
}
