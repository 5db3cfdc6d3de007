// Shapes, parameters and multiply-adds per block, summed from the one layer walk (layers.ts).
// Parameters as PyTorch's model.parameters(): conv and linear weights (+ biases), BN weight and
// bias; running statistics are buffers, not parameters. Multiply-adds: conv and linear only.

import { networkRows, type Row, type Shape, type ShortcutUsed } from './layers';
import type { ArchSpec } from './types';

export interface RowAnalysis {
  /** "stem", "layer{stage}.{index}" (torchvision), or "head". */
  name: string;
  kind: Row['kind'];
  /** 1-based stage number; null for the stem and the head. */
  stage: number | null;
  /** 0-based block index within its stage; null for the stem and the head. */
  index: number | null;
  input: Shape;
  output: Shape;
  params: number;
  macs: number;
  /** Elements (per image) of the conv, BN and ReLU outputs that backprop keeps. */
  activations: number;
  shortcut: ShortcutUsed;
}

export interface StageAnalysis {
  /** 1-based, as layer{stage}. */
  stage: number;
  blocks: number;
  output: Shape;
  params: number;
  macs: number;
}

export interface Analysis {
  input: Shape;
  classes: number;
  /** The stem, every block in order, the head. */
  rows: RowAnalysis[];
  stages: StageAnalysis[];
  totals: { params: number; macs: number; activations: number };
}

const SAVED_FOR_BACKWARD = new Set(['conv', 'bn', 'relu']);

/** Expects a valid spec (see validate()); `input` is the square image size. */
export function analyze(spec: ArchSpec, classes = spec.classes, input = 32): Analysis {
  const rows = networkRows(spec, classes, input).map((row): RowAnalysis => {
    let params = 0;
    let macs = 0;
    let activations = 0;
    for (const layer of row.layers) {
      params += layer.params;
      macs += layer.macs;
      if (SAVED_FOR_BACKWARD.has(layer.op)) activations += size(layer.output);
    }
    const { name, kind, stage, index, input, output, shortcut } = row;
    return { name, kind, stage, index, input, output, params, macs, activations, shortcut };
  });

  const stages = spec.stages.map((stage, s): StageAnalysis => {
    const blocks = rows.filter((row) => row.stage === s + 1);
    return {
      stage: s + 1,
      blocks: stage.blocks,
      output: blocks[blocks.length - 1].output,
      params: sum(blocks, 'params'),
      macs: sum(blocks, 'macs'),
    };
  });

  return {
    input: [3, input, input],
    classes,
    rows,
    stages,
    totals: {
      params: sum(rows, 'params'),
      macs: sum(rows, 'macs'),
      activations: sum(rows, 'activations'),
    },
  };
}

/**
 * A rough training-memory estimate in bytes (float32), to warn before a run that cannot fit:
 *   activations kept for backward: every conv, BN and ReLU output × batch × 4 bytes
 *   + parameters × 4 bytes × (weights + gradients + optimizer slots).
 * optimizerSlots: 2 for Adam/AdamW (m and v), 1 for SGD with momentum. Not counted: the input
 * batch, pooled/added tensors, the backend's temporary buffers and workspace, allocator slack,
 * and in-place ReLUs that PyTorch would not store twice — so treat it as an order of magnitude.
 */
export function trainingMemoryBytes(
  spec: ArchSpec,
  batch: number,
  optimizerSlots = 2,
  input = 32,
): number {
  const { totals } = analyze(spec, spec.classes, input);
  return 4 * (totals.activations * batch + totals.params * (2 + optimizerSlots));
}

function size(shape: Shape): number {
  return shape[0] * shape[1] * shape[2];
}

function sum<K extends string>(items: Record<K, number>[], key: K): number {
  let total = 0;
  for (const item of items) total += item[key];
  return total;
}
