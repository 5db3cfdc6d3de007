// Comparing runs from the history: what differs in their configs, one summary row per run, time
// to a target accuracy and CSV. Pure functions (no React, no DOM), shared by the compare view and
// the cardinality study.
import { analyze, testImagesOf, type EvaluatedImages } from '../spec';
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

/** Words for the config's keys (paths in spec/types.ts); a key not listed is shown as it is. */
const KEY_WORDS: Record<string, string> = {
  blocks: 'blocks',
  block: 'block',
  outChannels: 'output width',
  bottleneckWidth: 'bottleneck width',
  cardinality: 'cardinality C',
  stride: 'stride',
  shortcut: 'shortcut',
  stem: 'stem',
  channels: 'width',
  dropout: 'dropout',
  kind: 'kind',
  head: 'head',
  pool: 'pool',
  classes: 'classes',
  residual: 'shortcuts',
  reluAfterAdd: 'ReLU after add',
  convBias: 'conv bias',
  optimizer: 'optimizer',
  lr: 'learning rate',
  momentum: 'momentum',
  nesterov: 'Nesterov',
  weightDecay: 'weight decay',
  beta1: 'β1',
  beta2: 'β2',
  eps: 'ε',
  schedule: 'schedule',
  milestones: 'milestones',
  gamma: 'decay factor',
  tMax: 'cosine length',
  etaMin: 'minimum rate',
  maxLr: 'max learning rate',
  pctStart: 'warm-up share',
  divFactor: 'start divisor',
  finalDivFactor: 'final divisor',
  anneal: 'annealing',
  epochs: 'epochs',
  batchSize: 'batch',
  labelSmoothing: 'label smoothing',
  gradClip: 'gradient clip',
  augment: 'augmentation',
  crop: 'crop',
  flip: 'flip',
  colorJitter: 'colour jitter',
  brightness: 'brightness',
  contrast: 'contrast',
  saturation: 'saturation',
  hue: 'hue',
  randomErasing: 'random erasing',
  validationSplit: 'validation split',
  seed: 'seed',
  dataset: 'dataset',
  limitTrain: 'train images',
};

/**
 * A differing setting as a person names it: "spec.stages.0.cardinality" → "stage 1 cardinality C",
 * "recipe.optimizer.lr" → "learning rate", "recipe.schedule.milestones.1" → "milestones #2".
 * The spec / recipe prefix and the groups that only hold other keys are dropped.
 */
export function settingLabel(path: string): string {
  const parts = path.split('.');
  if (parts[0] === 'spec' || parts[0] === 'recipe') parts.shift();
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === 'stages' && /^\d+$/.test(parts[i + 1] ?? '')) {
      words.push(`stage ${Number(parts[++i]) + 1}`);
    } else if (/^\d+$/.test(part)) {
      words.push(`#${Number(part) + 1}`);
    } else if (i === parts.length - 1 || /^\d+$/.test(parts[i + 1])) {
      words.push(KEY_WORDS[part] ?? part);
    } else if (part === 'stem' || part === 'head') {
      words.push(KEY_WORDS[part]); // "stem width" reads better than "width"
    }
  }
  return words.join(' ');
}

/**
 * Legend labels that tell the runs apart: describeRun() plus up to `maxDiffs` differing values
 * (two runs that differ only in their learning rate would otherwise share one label).
 */
export function distinctLabels(runs: RunRecord[], maxDiffs = 2): string[] {
  const diff = configDiff(runs)
    // describeRun already says the epochs and batch size.
    .filter((d) => !/^recipe\.(epochs|batchSize)$/.test(d.path))
    .slice(0, maxDiffs);
  return runs.map((run, i) => {
    const extra = diff.map((d) => `${settingLabel(d.path)} ${d.values[i]}`).join(', ');
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
  /** The test images behind bestTestAcc and finalTestAcc (a subset, or the whole split). */
  bestTestImages: EvaluatedImages | null;
  finalTestImages: EvaluatedImages | null;
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
  const best = epochs.length
    ? epochs.reduce((a, b) => (b.testAcc > a.testAcc ? b : a), epochs[0])
    : null;
  const imagesOf = (e: EpochMetrics | null | undefined) =>
    e ? testImagesOf(e, run.config.limitTest) : null;
  return {
    runId: run.runId,
    label: summaryLabel(run),
    epochs: epochs.length,
    bestTestAcc: best?.testAcc ?? null,
    finalTestAcc: last?.testAcc ?? null,
    bestTestImages: imagesOf(best),
    finalTestImages: imagesOf(last),
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
