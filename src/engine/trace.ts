// A training trace: what each step of a run used and drew, written so that a replay in
// PyTorch (scripts/replay.py) can rebuild every batch and step exactly and compare the loss
// and the final weights. The trainer hands over a StepTrace after each applied step
// (train.ts, onStep); this file turns it into one line of trace.jsonl and describes the run
// for run.json. The format is documented in the README ("Training traces").
import type { DatasetId } from '../data/cifar';
import type { ArchSpec, Recipe } from '../spec/types';
import { CROP_PADDING, type NormStats } from './augment';
import type { StepTrace } from './train';

/** Bumped when a field changes meaning; replay.py refuses versions it does not know. */
export const TRACE_FORMAT = 1;

/** What a recipe/network may draw per image; `none` lists the ones this run does not draw. */
export type TraceDraw = 'crop' | 'flip' | 'colorJitter' | 'randomErasing' | 'dropout';

/** One line of trace.jsonl. */
export interface TraceRecord {
  /** Global step, from 1. */
  step: number;
  /** 0-based epoch and the batch's index in it. */
  epoch: number;
  stepInEpoch: number;
  lr: number;
  /** SGD's momentum (or AdamW's beta1) as used in this step: exactly one of the two is set. */
  momentum?: number;
  beta1?: number;
  /** Mean training loss of the batch, before the update. */
  loss: number;
  /** The batch's records of the train split (= of the archive's train records), in order. */
  indices: number[];
  /** Per image: [dy, dx] of the crop in the 4-pixel zero-padded image ([4, 4] = no shift). */
  crop: [number, number][];
  /** Per image: 1 = mirrored left–right (after the crop). */
  flip: (0 | 1)[];
  /** Per image, when the recipe has ColorJitter: [brightness, contrast, saturation, hue]. */
  jitter?: [number, number, number, number][];
  /** Per image, when the recipe has RandomErasing: [top, left, height, width] or null. */
  erase?: ([number, number, number, number] | null)[];
  /** Per Dropout2d layer (walk name), per image: a string of C characters, '1' kept, '0' dropped. */
  dropout?: Record<string, string[]>;
  /** What this run does not draw (the fields above it would need are absent or identity). */
  none: TraceDraw[];
}

/** The draws a run has, from its recipe and network. */
export function traceDraws(spec: ArchSpec, recipe: Recipe): TraceDraw[] {
  const a = recipe.augment;
  const has: Record<TraceDraw, boolean> = {
    crop: a.crop,
    flip: a.flip,
    colorJitter: a.colorJitter !== null,
    randomErasing: a.randomErasing > 0,
    dropout: spec.stem.dropout > 0,
  };
  return (Object.keys(has) as TraceDraw[]).filter((k) => has[k]);
}

const ALL_DRAWS: TraceDraw[] = ['crop', 'flip', 'colorJitter', 'randomErasing', 'dropout'];

export function traceRecord(s: StepTrace, spec: ArchSpec, recipe: Recipe): TraceRecord {
  const draws = traceDraws(spec, recipe);
  const momentumKey = recipe.optimizer.kind === 'sgd' ? 'momentum' : 'beta1';
  const record: TraceRecord = {
    step: s.step,
    epoch: s.epoch,
    stepInEpoch: s.stepInEpoch,
    lr: s.lr,
    [momentumKey]: s.momentum,
    loss: s.loss,
    indices: s.indices ? Array.from(s.indices) : [],
    crop: s.augment.map((p) => [p.cropTop, p.cropLeft]),
    flip: s.augment.map((p) => (p.flip ? 1 : 0)),
    none: ALL_DRAWS.filter((d) => !draws.includes(d)),
  };
  if (draws.includes('colorJitter')) {
    record.jitter = s.augment.map((p) => [p.brightness, p.contrast, p.saturation, p.hue]);
  }
  if (draws.includes('randomErasing')) {
    record.erase = s.augment.map((p) =>
      p.erase ? [p.erase.top, p.erase.left, p.erase.height, p.erase.width] : null,
    );
  }
  if (draws.includes('dropout')) {
    record.dropout = {};
    for (const d of s.dropout) {
      const rows: string[] = [];
      for (let i = 0; i < d.images; i++) {
        rows.push(d.keep.subarray(i * d.channels, (i + 1) * d.channels).join(''));
      }
      record.dropout[d.layer] = rows;
    }
  }
  return record;
}

/** run.json: everything besides the steps that a replay needs, and where the run came from. */
export interface TraceRun {
  format: typeof TRACE_FORMAT;
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  stats: NormStats;
  /** Images of the (validation-split, limited) train split the batches were drawn from. */
  trainImages: number;
  stepsPerEpoch: number;
  /** Steps in trace.jsonl (the last one is what final.safetensors holds). */
  steps: number;
  cropPadding: number;
  /** The TF.js backend that trained, e.g. "wasm". */
  backend: string;
  /** Where it ran: "browser worker (npm run train)" or "node (…)". */
  runner: string;
  cardinalVersion: string;
}

export function traceRun(fields: Omit<TraceRun, 'format' | 'cropPadding'>): TraceRun {
  return { format: TRACE_FORMAT, cropPadding: CROP_PADDING, ...fields };
}
