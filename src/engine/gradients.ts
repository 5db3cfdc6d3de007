// tf.variableGrads, but the backward frees as it goes. TF.js's backward (tfjs-core tape.ts,
// backpropagateGradients) keeps every activation gradient it computes and every tensor the
// forward saved until the whole backward ends: at the first layer a step holds all the
// activations and all their gradients, about twice what PyTorch's autograd holds, which
// releases each saved tensor and each gradient once the node that needed it has run.
//
// This walks the same tape the same way (same nodes, same order, same kernels: the gradients
// are identical) and, after each node, disposes what nothing later reads:
//   - the node's saved tensors (clones private to it: engine.ts saveTensorsForBackwardMode),
//   - the gradients of the node's outputs (only the node that made a tensor reads its
//     gradient, and the tape is in forward order, so all of them have been summed by then),
//     unless that same tensor object is also another tensor's pending gradient (a gradient
//     function may pass dy through as it is).
// Measured with `npm run bench -- --memory`: a plain step's peak of live tensors falls from
// about 2× the activations estimate to about 1×.

import * as tf from '@tensorflow/tfjs';

/** The tape, as tfjs-core's engine records it (engine.ts TapeNode). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved: tf.Tensor[];
}

/** The parts of tfjs-core's Engine this reads (private in its typings). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string | (() => T), f?: () => T): T;
}

/**
 * The nodes on a path from one of xs to y, with each node's inputs pruned to those that
 * depend on xs (tfjs-core tape.ts getFilteredNodesXToY, which the package does not export).
 */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      for (const output of node.outputs) fromX.add(output.id);
      nodesFromX.add(node.id);
    }
  }
  const leadToY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((output) => leadToY.has(output.id))) {
      for (const input of Object.values(node.inputs)) leadToY.add(input.id);
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).filter(([, input]) => fromX.has(input.id)),
      ),
    }));
}

/**
 * What tf.variableGrads(f, variables) returns, the same values, with the backward's memory
 * released as it goes (above). Only for a first-order gradient (no tape already running).
 */
export function variableGradsFreeing(
  f: () => tf.Scalar,
  variables: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth !== 0) {
    throw new Error('variableGradsFreeing: not inside another gradient');
  }
  const xs = variables.filter((v) => v.trainable);
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 0) {
    throw new Error('variableGradsFreeing: f must return a scalar tensor');
  }
  const tape = engine.state.activeTape ?? [];
  const nodes = nodesFromXsToY(tape, xs, y);
  try {
    const grads = engine.tidy('backward', () => {
      const pending = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
      // Disposes t unless it is still some tensor's pending gradient (a gradient function
      // may pass dy on as it is, as the gradient of more than one input).
      const release = (t: tf.Tensor | null) => {
        if (t && ![...pending.values()].includes(t)) t.dispose();
      };
      for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i];
        const dys = node.outputs.map((output) => pending.get(output.id) ?? null);
        const inputGradients = node.gradient(dys);
        for (const [name, x] of Object.entries(node.inputs)) {
          if (!(name in inputGradients)) {
            throw new Error(`no gradient for input ${name} of ${node.kernelName}`);
          }
          const dx = engine.tidy(() => inputGradients[name]());
          const sum = pending.get(x.id);
          pending.set(x.id, sum ? tf.add(sum, dx) : dx);
          if (sum) [sum, dx].forEach(release);
        }
        // Nothing later reads this node's saved tensors or its outputs' gradients. (The
        // finally below disposes every node's saved tensors again: dispose is idempotent.)
        for (const tensor of node.saved) tensor.dispose();
        for (const output of node.outputs) pending.delete(output.id);
        dys.forEach(release);
      }
      const named: tf.NamedTensorMap = {};
      for (const v of xs) {
        const g = pending.get(v.id);
        if (g) named[v.name] = g;
      }
      return named;
    });
    if (Object.keys(grads).length === 0) {
      throw new Error('variableGradsFreeing: no variable leads to the value of f');
    }
    return { value: y as tf.Scalar, grads };
  } finally {
    // What a node off the filtered path saved (and any node, if the backward threw).
    for (const node of tape) for (const tensor of node.saved) tensor.dispose();
    engine.state.activeTape = null;
  }
}
