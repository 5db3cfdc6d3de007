// The cardinality tax: what grouped convolution costs at equal complexity. One template
// network at C = 1 … 32 (the cardinality study's arms, widths from solveWidth), each trained on
// a synthetic batch with TF.js's stock kernels and with ours (kernels/), interleaved per arm so
// a drifting machine affects both alike. Per arm and kernel kind: ms/step, dispatchesPerStep
// and the rest of the step counts, and both as a ratio to the same kind's C = 1 arm.
//
// A fair tax needs equal work: the arms' multiply-adds are reported (macsRatio) next to the
// times, so a reader can see the widths solveWidth picked really hold the MACs level.

import { cardinalityStudy } from '../spec/study';
import type { ArchSpec } from '../spec/types';
import { benchEngine, type BenchOptions, type KernelChoice, type NetworkBench } from './bench';
import { defaultGroupedConvStrategy } from './groupedConv';
import { kernelMode, setKernelMode, type KernelMode } from './kernels';

/**
 * The sweep's template: a CIFAR stem (64 channels) and one stage of 3 ResNeXt bottlenecks,
 * 256 channels out, stride 2 (16×16 maps), template width 64 at C = 1 — conv2 of the paper's
 * Table 2 (1×64d → 8×14d → 32×4d), on an input small enough for software backends.
 */
export const SWEEP_TEMPLATE: ArchSpec = {
  stem: { kind: 'cifar', channels: 64, dropout: 0 },
  stages: [
    {
      blocks: 3,
      block: 'bottleneck',
      outChannels: 256,
      bottleneckWidth: 64,
      cardinality: 1,
      stride: 2,
      shortcut: 'B',
    },
  ],
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
};

export interface SweepArm extends NetworkBench {
  /** The grouped-conv strategy this arm's model used (groupedConv.ts). */
  groupedConv: string;
  /** This arm's ms/step ÷ the same kernels' C = 1 arm: the cardinality tax. */
  relativeTime: number;
  /** This arm's dispatchesPerStep ÷ C = 1's (WebGPU), or kernelsPerStep's ratio elsewhere. */
  relativeDispatches: number | null;
  relativeKernels: number;
}

export interface SweepRow {
  cardinality: number;
  /** Per-path width d and the bottleneck width C·d solveWidth chose. */
  d: number;
  width: number;
  /** Forward multiply-adds per image ÷ C = 1's. */
  macsRatio: number;
  stock?: SweepArm;
  cardinal?: SweepArm;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : round(a / b);

/** The kernel kinds a choice names, stock first. */
export function sweepModes(kernels: KernelChoice): KernelMode[] {
  return kernels === 'both' ? ['stock', 'cardinal'] : [kernels];
}

/**
 * Times `template` at each cardinality with the kernels asked for. C = 1 is always measured
 * first (added if missing): every ratio is to it. Restores kernelMode() afterwards.
 */
export async function cardinalitySweep(
  cardinalities: number[],
  opts: BenchOptions,
  kernels: KernelChoice = 'both',
  template: ArchSpec = SWEEP_TEMPLATE,
  progress: (line: string) => void = () => {},
) {
  const study = cardinalityStudy(template, [1, ...cardinalities], true);
  if (study.issues.length) {
    throw new Error(`sweep template: ${study.issues.map((i) => i.message).join('; ')}`);
  }
  const modes = sweepModes(kernels);
  const before = kernelMode();
  const rows: SweepRow[] = [];
  const skipped: { cardinality: number; why: string }[] = [];
  try {
    for (const arm of study.arms) {
      if (arm.issues.length) {
        skipped.push({
          cardinality: arm.cardinality,
          why: arm.issues.map((i) => i.message).join('; '),
        });
        continue;
      }
      const { d, width } = arm.perStage[0];
      const row: SweepRow = {
        cardinality: arm.cardinality,
        d,
        width,
        macsRatio: round(arm.macsRatio, 4),
      };
      for (const mode of modes) {
        setKernelMode(mode);
        const bench = await benchEngine(arm.spec, opts);
        progress(
          `C = ${arm.cardinality} (${arm.cardinality}×${d}d), ${mode} kernels: ` +
            `${bench.msPerStep} ms/step, ${bench.dispatchesPerStep ?? '—'} dispatches/step`,
        );
        const first = rows[0]?.[mode] ?? bench;
        row[mode] = {
          ...bench,
          groupedConv: arm.cardinality === 1 ? 'none (dense)' : defaultGroupedConvStrategy(),
          relativeTime: round(bench.msPerStep / first.msPerStep),
          relativeDispatches: ratio(bench.dispatchesPerStep, first.dispatchesPerStep),
          relativeKernels: round(bench.kernelsPerStep / first.kernelsPerStep),
        };
      }
      rows.push(row);
    }
  } finally {
    setKernelMode(before);
  }
  return { template, kernels: modes, rows, skipped, summary: sweepSummary(rows, modes) };
}

/** One line per cardinality and kernel kind: the figures a reader compares, and nothing else. */
export function sweepSummary(rows: SweepRow[], modes: KernelMode[]) {
  return rows.flatMap((row) =>
    modes.flatMap((mode) => {
      const arm = row[mode];
      if (!arm) return [];
      return [
        {
          cardinality: row.cardinality,
          kernels: mode,
          msPerStep: arm.msPerStep,
          relativeTime: arm.relativeTime,
          dispatchesPerStep: arm.dispatchesPerStep,
          relativeDispatches: arm.relativeDispatches,
          kernelsPerStep: arm.kernelsPerStep,
          macsRatio: row.macsRatio,
        },
      ];
    }),
  );
}
