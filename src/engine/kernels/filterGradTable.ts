// For every conv of a network at a batch size: how many threads a filter-gradient dispatch
// launches, TF.js 4.22's (Conv2DDerFilterProgram: one per weight) against ours (split-K,
// convFilterGrad.ts). Computed from the kernels' own dispatch geometry, so the table is what
// the GPU is handed, whatever machine prints it. `npm run filter-grad-table` prints it.

import { networkRows, type ConvLayer } from '../../spec/layers';
import type { ArchSpec } from '../../spec/types';
import { convGeometry } from './lib/convProgram';
import { filterGradPlan } from './convFilterGrad';

export interface FilterGradRow {
  conv: string;
  /** Input [N, H, W, C] and filter [kh, kw, C/groups, out], stride, padding, groups. */
  input: string;
  filter: string;
  stride: number;
  pad: number;
  groups: number;
  /** TF.js's threads: one per weight, each summing the whole reduction (N·outH·outW). */
  stockInvocations: number;
  stockProductsPerThread: number;
  splits: number;
  /** Our pass 1's threads that do work, and whole workgroups' worth launched. */
  invocations: number;
  dispatched: number;
  /** Our pass 1: a chunk of the reduction for a block of 1 or 4 output channels. */
  productsPerThread: number;
}

/** Every conv layer of `spec`, stem to head, in the forward's order. */
export function convLayers(spec: ArchSpec): ConvLayer[] {
  return networkRows(spec).flatMap((row) =>
    row.layers.filter((l): l is ConvLayer => l.op === 'conv'),
  );
}

export function filterGradTable(spec: ArchSpec, batch: number): FilterGradRow[] {
  return convLayers(spec).map((c) => {
    const [inC, h, w] = c.input;
    const perGroup = inC / c.groups;
    const g = convGeometry(
      [batch, h, w, inC],
      [c.kernel, c.kernel, perGroup, c.outChannels],
      c.stride,
      c.padding,
      c.groups,
    );
    const plan = filterGradPlan(g);
    return {
      conv: c.name,
      input: [batch, h, w, inC].join('×'),
      filter: [c.kernel, c.kernel, perGroup, c.outChannels].join('×'),
      stride: c.stride,
      pad: c.padding,
      groups: c.groups,
      stockInvocations: plan.weights,
      stockProductsPerThread: plan.reduction,
      splits: plan.splits,
      invocations: plan.invocations,
      dispatched: plan.dispatched,
      productsPerThread: plan.chunk * plan.block,
    };
  });
}
