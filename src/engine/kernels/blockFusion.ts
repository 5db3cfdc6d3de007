// Which batch norms take on the end of their block: BN → ReLU becomes one op, and a block's
// last BN → (+ shortcut) → ReLU too (kernels/batchNorm.ts does the arithmetic). A pure plan
// over a row's layers (spec/layers.ts order: the main path, then the shortcut's layers, then
// the addition and the ReLU), so the forward's layer walk stays a walk.

import type { Layer } from '../../spec/layers';

export type Fusion =
  /** This BN applies a ReLU, and the layer `reluAt` is absorbed. */
  | { op: 'bn'; relu: boolean; addAt?: number }
  /** Done by an earlier BN: skip. */
  | { op: 'absorbed' };

/**
 * For a row's layers: each fusing BN's index → what it takes on (addAt: it runs at that
 * addition's index, once the shortcut's layers have run), and each absorbed layer's index.
 */
export function planBlockFusion(layers: readonly Layer[]): Map<number, Fusion> {
  const plan = new Map<number, Fusion>();
  /** The next layer on the main path after index i (shortcut layers interleave). */
  const nextMain = (i: number) => {
    for (let j = i + 1; j < layers.length; j++) if (layers[j].branch === 'main') return j;
    return -1;
  };
  layers.forEach((layer, i) => {
    if (layer.op !== 'bn' || layer.branch !== 'main') return;
    const next = nextMain(i);
    if (next < 0) return;
    if (layers[next].op === 'relu' && next === i + 1) {
      plan.set(i, { op: 'bn', relu: true });
      plan.set(next, { op: 'absorbed' });
    } else if (layers[next].op === 'add') {
      const after = nextMain(next);
      const relu = after >= 0 && layers[after].op === 'relu';
      plan.set(i, { op: 'bn', relu, addAt: next });
      if (relu) plan.set(after, { op: 'absorbed' });
    }
  });
  return plan;
}
