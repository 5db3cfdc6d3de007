// The cardinality study (ResNeXt paper, Table 2 and Fig. 5): one template network trained at
// several cardinalities C. With "keep complexity fixed" each C gets the per-path width d that
// solveWidth() picks, so parameters and multiply-adds stay close to C = 1's; without it every C
// keeps the template's bottleneck widths (and C must divide them). Pure data, for the study's
// form (the table shown before training) and for the queue (each arm's spec).

import { analyze } from './analyze';
import { solveWidth } from './complexity';
import type { ArchSpec, SpecIssue } from './types';
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
