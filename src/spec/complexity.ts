// The ResNeXt paper's fixed-complexity comparison (Xie et al. 2017, §3.3 and Table 2): raise the
// cardinality C and shrink the per-path width d so that each stage keeps about the parameters
// (and so the FLOPs) of the template. Per bottleneck stage we count the stage's repeated block —
// input = output channels, stride 1 — with the same layer walk as analyze(), BN included, and
// pick the integer d ≥ 1 whose block count is closest to the template's. On the ResNet-50
// template this reproduces Table 2 (C = 1, 2, 4, 8, 32 → d = 64, 40, 24, 14, 4 in conv2):
// the paper's own count, C·(256·d + 3·3·d·d + d·256), ignores BN, and BN (4·C·d + 512) is too
// small to move any of those choices. The first block of a stage (a projection, a stride) is
// left to follow, as it does in the paper.

import { LIMITS } from './checks';
import { blockLayers } from './layers';
import type { ArchSpec, StageSpec } from './types';

export interface StageWidth {
  /** Per-path width: bottleneckWidth = cardinality × d. */
  d: number;
  width: number;
  /** Parameters of the stage's repeated block at this width. */
  params: number;
  /** The same block's parameters in the template. */
  templateParams: number;
}

/** Parameters of one block of the stage with input = output channels and stride 1. */
export function repeatedBlockParams(spec: ArchSpec, stage: StageSpec): number {
  const { layers } = blockLayers('block', [stage.outChannels, 1, 1], stage, 1, spec);
  return layers.reduce((total, layer) => total + layer.params, 0);
}

/**
 * The template with every bottleneck stage at `cardinality` paths, each stage's width chosen
 * to keep its repeated block's parameters closest to the template's. Basic stages (no groups)
 * are kept as they are; their entry reports their unchanged width with d = width.
 */
export function solveWidth(
  template: ArchSpec,
  cardinality: number,
  maxWidth: number = LIMITS.channels,
): { spec: ArchSpec; perStage: StageWidth[] } {
  if (!Number.isInteger(cardinality) || cardinality < 1 || cardinality > maxWidth) {
    throw new RangeError(`cardinality must be a whole number from 1 to ${maxWidth}`);
  }
  const perStage: StageWidth[] = [];
  const stages = template.stages.map((stage): StageSpec => {
    const templateParams = repeatedBlockParams(template, stage);
    if (stage.block === 'basic') {
      const width = stage.bottleneckWidth;
      perStage.push({ d: width, width, params: templateParams, templateParams });
      return { ...stage };
    }
    let best: StageWidth | undefined;
    // A block's parameters grow with d, so stop at the first d that overshoots the template.
    for (let d = 1; cardinality * d <= maxWidth; d++) {
      const width = cardinality * d;
      const params = repeatedBlockParams(template, {
        ...stage,
        bottleneckWidth: width,
        cardinality,
      });
      const candidate = { d, width, params, templateParams };
      if (!best || Math.abs(params - templateParams) < Math.abs(best.params - templateParams)) {
        best = candidate;
      }
      if (params >= templateParams) break;
    }
    const solved = best as StageWidth; // d = 1 always fits, since cardinality ≤ maxWidth
    perStage.push(solved);
    return { ...stage, bottleneckWidth: solved.width, cardinality };
  });
  return { spec: { ...structuredClone(template), stages }, perStage };
}

/**
 * Cardinalities a UI slider may offer for one stage as it stands: the divisors of its
 * bottleneck width, so that d = width / C is a whole number ≥ 1 (e.g. width 64 → 1, 2, 4, 8,
 * 16, 32, 64). A basic stage has no grouped conv: only 1.
 */
export function validCardinalities(spec: ArchSpec, stageIndex: number): number[] {
  const stage = spec.stages[stageIndex];
  if (!stage || stage.block === 'basic') return [1];
  const width = stage.bottleneckWidth;
  const divisors: number[] = [];
  for (let c = 1; c <= width; c++) if (width % c === 0) divisors.push(c);
  return divisors;
}
