// The cardinality study (ResNeXt paper, Table 2 and Fig. 5): one template network trained at
// several cardinalities C. With "keep complexity fixed" each C gets the per-path width d that
// solveWidth() picks, so parameters and multiply-adds stay close to C = 1's; without it every C
// keeps the template's bottleneck widths (and C must divide them). Pure data, for the study's
// form (the table shown before training) and for the queue (each arm's spec).

import { analyze, trainingMemoryBytes } from './analyze';
import { solveWidth } from './complexity';
import type { ArchSpec, Recipe, SpecIssue } from './types';
import { validate } from './validate';

/** The cardinalities the study's form offers. */
export const STUDY_CARDINALITIES = [1, 2, 4, 8, 16, 32] as const;

export interface StudyArm {
  cardinality: number;
  spec: ArchSpec;
  /** Per bottleneck stage (1-based stage number): paths C × per-path width d = width. */
  perStage: { stage: number; d: number; width: number }[];
  params: number;
  macs: number;
  /** This arm's params and MACs over C = 1's (1.02 = 2% more). */
  paramsRatio: number;
  macsRatio: number;
  /** Why this arm cannot train (e.g. C does not divide a width); empty when it can. */
  issues: SpecIssue[];
}

export interface Study {
  /** Problems with the template itself (no bottleneck stage, invalid spec); no arms then. */
  issues: SpecIssue[];
  /** C = 1 under the same rule: what every ratio is measured against, listed or not. */
  reference: { params: number; macs: number } | null;
  arms: StudyArm[];
}

function arm(template: ArchSpec, cardinality: number, keepComplexity: boolean) {
  const spec = keepComplexity
    ? solveWidth(template, cardinality).spec
    : {
        ...structuredClone(template),
        stages: template.stages.map((s) => (s.block === 'bottleneck' ? { ...s, cardinality } : s)),
      };
  const issues = validate(spec);
  const perStage = spec.stages.flatMap((s, i) =>
    s.block === 'bottleneck'
      ? [{ stage: i + 1, d: s.bottleneckWidth / cardinality, width: s.bottleneckWidth }]
      : [],
  );
  const totals = issues.length ? { params: NaN, macs: NaN } : analyze(spec).totals;
  return { cardinality, spec, perStage, issues, params: totals.params, macs: totals.macs };
}

export function cardinalityStudy(
  template: ArchSpec,
  cardinalities: readonly number[],
  keepComplexity: boolean,
): Study {
  const templateIssues = validate(template);
  if (templateIssues.length) return { issues: templateIssues, reference: null, arms: [] };
  if (!template.stages.some((s) => s.block === 'bottleneck')) {
    return {
      issues: [
        {
          path: 'stages',
          message:
            'This network has no bottleneck blocks, and cardinality is the number of groups of a bottleneck’s 3×3 conv. Pick a ResNeXt or a bottleneck ResNet (e.g. resnext20_4x16d, resnet50) as the template.',
        },
      ],
      reference: null,
      arms: [],
    };
  }
  const one = arm(template, 1, keepComplexity);
  const reference = { params: one.params, macs: one.macs };
  const sorted = [...new Set(cardinalities)].sort((a, b) => a - b);
  const arms = sorted.map((c) => {
    const a = c === 1 ? one : arm(template, c, keepComplexity);
    return { ...a, paramsRatio: a.params / one.params, macsRatio: a.macs / one.macs };
  });
  return { issues: [], reference, arms };
}

/** "C = 8, d = 14/28/56": the arm's name in the queue, legends and tables. */
export function armLabel(arm: Pick<StudyArm, 'cardinality' | 'perStage'>): string {
  const ds = [...new Set(arm.perStage.map((s) => s.d))];
  return `C = ${arm.cardinality}, d = ${ds.join('/')}`;
}

// ---- The study's own recipe ------------------------------------------------------------------
// A study does not take the Training panel's recipe: that is step-160 by default (160 epochs at
// SGD 0.1 from the first step), which a few short runs cannot use — at batch 32 on 320 images
// every arm's loss rose from 2.3 to 3.5–4.1 in ten steps. It gets the Learn demos' kind of quick
// size instead: the ResNeXt paper's CIFAR SGD with a one-cycle rate (a warm-up, then a cosine
// fall) whose peak follows the batch by the linear scaling rule (Goyal et al. 2017).

/** The batch and peak rate the rule scales from: the ResNeXt paper's CIFAR setting (§5.2). */
export const STUDY_REFERENCE = { batchSize: 128, lr: 0.1 } as const;
export const STUDY_DEFAULT_EPOCHS = 3;
/** Train images per arm: 4 arms × 3 epochs of these take minutes on a GPU; WASM gets fewer. */
export const STUDY_DEFAULT_TRAIN_IMAGES = { gpu: 5000, cpu: 1000 } as const;

/** Peak learning rate for a batch: 0.1 at 128, scaled linearly (0.025 at 32). */
export const studyLr = (batchSize: number) =>
  (STUDY_REFERENCE.lr * batchSize) / STUDY_REFERENCE.batchSize;

export function studyRecipe(size: { epochs: number; batchSize: number; seed: number }): Recipe {
  return {
    optimizer: {
      kind: 'sgd',
      lr: studyLr(size.batchSize),
      momentum: 0.9,
      nesterov: false,
      weightDecay: 5e-4,
    },
    schedule: {
      kind: 'onecycle',
      maxLr: studyLr(size.batchSize),
      pctStart: 0.3,
      divFactor: 25,
      finalDivFactor: 1e4,
      anneal: 'cos',
    },
    epochs: size.epochs,
    batchSize: size.batchSize,
    labelSmoothing: 0,
    gradClip: 0,
    augment: { crop: true, flip: true, colorJitter: null, randomErasing: 0 },
    validationSplit: 0,
    seed: size.seed,
  };
}

/**
 * Training-memory budgets (trainingMemoryBytes, SGD) for the study's default batch. WASM: TF.js
 * 4.22's module aborts past its heap (worker/wasmMemory.ts); measured here, resnext20_4x16d at
 * C = 4 trains at batch 32 (estimate 372 MB) and aborts at batch 64 (735 MB). A GPU backend:
 * an assumption (2 GB), not a measurement.
 */
export const STUDY_MEMORY_BUDGET = { cpu: 400e6, gpu: 2e9 } as const;
const STUDY_BATCHES = [128, 64, 32, 16, 8] as const;

/** The largest of 128, 64, 32, 16, 8 at which every arm's estimate fits the budget (else 8). */
export function studyBatchFor(specs: readonly ArchSpec[], budgetBytes: number): number {
  const fits = (batch: number) =>
    specs.every((spec) => trainingMemoryBytes(spec, batch, 1) <= budgetBytes);
  return STUDY_BATCHES.find(fits) ?? STUDY_BATCHES[STUDY_BATCHES.length - 1];
}
