// Reference runs: each Learn demo's quick size trained once in PyTorch (scripts/reference.ts),
// stored as public/reference/<demo>.json and drawn under the user's own runs. The file's hash
// is of exactly what the runs trained (networks, recipes, image counts), computed here for both
// the script that writes it and the page that reads it, so a demo that changes after its
// reference was computed is caught (a "stale reference" note, and a failing unit test).

import { testLimitFor } from './runSize';
import type { DemoPlan } from './demos';

/** One epoch of a reference arm, as train.py's metrics.csv gives it. */
export interface ReferenceEpoch {
  epoch: number;
  trainLoss: number;
  /** Counted on the batches as they were trained (augmented), as the page counts it. */
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  seconds: number;
}

export interface ReferenceArm {
  label: string;
  /** Training loss per step, as [images seen, loss]; averaged over windows when > 500 steps. */
  loss: [number, number][];
  epochs: ReferenceEpoch[];
  seconds: number;
}

export interface ReferenceFile {
  demo: string;
  size: 'quick';
  /** referenceHash() of the plan the arms trained. */
  hash: string;
  dataset: string;
  trainImages: number;
  testImages: number;
  /** torch.manual_seed of every arm (the recipe's seed). */
  seed: number;
  torch: string;
  /** Where it ran, in words ("CPU: Intel Xeon …, 2 cores"). */
  device: string;
  /** When the last arm finished (ISO 8601). */
  date: string;
  /** All arms, first start to last finish. */
  wallSeconds: number;
  /** How the runs were made: the command and what (if anything) differs from the page. */
  method: string;
  arms: ReferenceArm[];
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * cyrb53 (a public-domain 53-bit string hash), as 14 hex digits: enough to tell a changed plan
 * from the one a reference was computed for; not a cryptographic digest.
 */
export function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const value = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return value.toString(16).padStart(14, '0');
}

/** What a plan trains: every arm's label, network, recipe and image counts, and the dataset. */
export function referenceKey(plan: DemoPlan): unknown {
  return {
    dataset: plan.dataset,
    runs: plan.runs.map((r) => ({
      label: r.label,
      spec: r.spec,
      recipe: r.recipe,
      limitTrain: r.limitTrain,
      limitTest: testLimitFor(r.limitTrain),
    })),
  };
}

export const referenceHash = (plan: DemoPlan): string => hash53(canonicalJson(referenceKey(plan)));

/** Whether a reference was computed for this plan as it is now. */
export const referenceIsFresh = (ref: Pick<ReferenceFile, 'hash'>, plan: DemoPlan): boolean =>
  ref.hash === referenceHash(plan);

/** Where the page fetches a demo's reference (under the app's base URL). */
export const referencePath = (demoId: string) => `reference/${demoId}.json`;

/**
 * Images trained after global step `step` (1-based) of a run over `images` images per epoch in
 * batches of `batch`, the last batch of each epoch short (as the page and train.py batch): the
 * x of the reference charts, so runs of different sizes share one axis.
 */
export function imagesSeen(step: number, images: number, batch: number): number {
  const perEpoch = Math.ceil(images / batch);
  const epoch = Math.floor((step - 1) / perEpoch);
  const within = step - epoch * perEpoch;
  return epoch * images + Math.min(within * batch, images);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Whether a fetched file has the shape the page draws (a bad file is reported, not drawn). */
export function isReferenceFile(value: unknown): value is ReferenceFile {
  const f = value as ReferenceFile;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.hash === 'string' &&
    typeof f.device === 'string' &&
    typeof f.date === 'string' &&
    isNumber(f.trainImages) &&
    Array.isArray(f.arms) &&
    f.arms.length > 0 &&
    f.arms.every(
      (a) =>
        typeof a.label === 'string' &&
        Array.isArray(a.loss) &&
        a.loss.every((p) => Array.isArray(p) && isNumber(p[0]) && isNumber(p[1])) &&
        Array.isArray(a.epochs) &&
        a.epochs.length > 0 &&
        a.epochs.every((e) => isNumber(e.epoch) && isNumber(e.testAcc) && isNumber(e.trainLoss)),
    )
  );
}

/** At most `max` points: the mean of consecutive windows, each at its last step's x. */
export function downsampleLoss(points: [number, number][], max = 500): [number, number][] {
  if (points.length <= max) return points.map(([x, y]) => [x, y]);
  const window = Math.ceil(points.length / max);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += window) {
    const part = points.slice(i, i + window);
    const mean = part.reduce((s, [, y]) => s + y, 0) / part.length;
    out.push([part[part.length - 1][0], mean]);
  }
  return out;
}
