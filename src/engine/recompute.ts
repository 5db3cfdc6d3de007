// Gradient checkpointing for one residual block: its forward keeps only the block's input,
// and its backward runs the block's forward again and differentiates that, one block at a time.
//
// Why: TF.js's gradient tape keeps every tensor the forward created, whether the backward needs
// it or not (the moments' squared differences, the grouped conv's slices and per-group outputs,
// each ReLU's input and output), and the backward keeps every gradient it made until the whole
// pass ends (tape.ts's accumulated map). Measured on WASM: the live tensors of a ResNet-20 step
// peak at ≈7× trainingMemoryBytes' estimate. With this, a block's intermediates live only while
// its own backward runs, for one more forward's arithmetic (≈ +30% per step): the preflight
// (preflight.ts) turns it on only when a batch would not fit without it.

import * as tf from '@tensorflow/tfjs';

/**
 * y = forward(x), differentiable in x and in `params`, holding only x between the forward and
 * the backward. `recompute(x)` must compute the same y as `forward(x)` (same weights, same
 * batch statistics) without side effects the forward already had (queued BN updates, random
 * masks); `afterRecompute` runs once the backward no longer needs what recompute produced.
 */
export function checkpointed(
  forward: (x: tf.Tensor4D) => tf.Tensor4D,
  recompute: (x: tf.Tensor4D) => tf.Tensor4D,
  params: tf.Variable[],
  afterRecompute: () => void = () => undefined,
): (x: tf.Tensor4D) => tf.Tensor4D {
  let input: tf.Tensor4D | null = null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    // customGrad runs this with the tape off and inside a tidy: nothing but y (and what the
    // forward tf.keep()s, the BN statistics) outlives it.
    const value = forward(x);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const saved = input!;
        try {
          return blockGradients(recompute, saved, params, dy as tf.Tensor4D, afterRecompute);
        } finally {
          release(saved);
        }
      },
    };
  });
  return (x) => {
    // Under a gradient tape: hold x itself until the backward. customGrad's save() would
    // hold a copy (on WASM, Identity copies), one more tensor per block.
    input = holdForBackward(x);
    return op(x, ...params) as tf.Tensor4D;
  };
}

/** Aliases held for a backward that has not run yet (see releaseCheckpointInputs). */
const held = new Set<tf.Tensor>();

/**
 * When a gradient tape records the op about to run: an alias of x that lives until
 * release(alias) in the op's backward — a reshape to the same shape, which shares x's data
 * (customGrad's save() would copy it: on WASM, Identity copies). The caller's x is left as it
 * was. Outside a tape: null, nothing is held.
 */
export function holdForBackward<T extends tf.Tensor>(x: T): T | null {
  const { gradientDepth, kernelDepth } = tf.engine().state;
  if (gradientDepth === 0 || kernelDepth > 0) return null;
  // Made with the tape paused: the alias is no node of it.
  const alias = tf.tidy(() => {
    tf.engine().state.kernelDepth++;
    try {
      return tf.keep(tf.reshape(x, x.shape));
    } finally {
      tf.engine().state.kernelDepth--;
    }
  }) as T;
  held.add(alias);
  return alias;
}

export function release(alias: tf.Tensor): void {
  if (held.delete(alias)) alias.dispose();
}

/**
 * Frees the aliases of ops whose backward never ran (a forward without a gradient step, an
 * error half-way through the backward). The train step calls it after each backward.
 */
export function releaseCheckpointInputs(): void {
  for (const alias of held) alias.dispose();
  held.clear();
}

function blockGradients(
  recompute: (x: tf.Tensor4D) => tf.Tensor4D,
  x: tf.Tensor4D,
  params: tf.Variable[],
  dy: tf.Tensor4D,
  afterRecompute: () => void,
): tf.Tensor[] {
  const engine = tf.engine();
  // The outer backward is walking its own tape; a nested gradients() starts a new one and,
  // at its end, drops the engine's reference to the tape it finds. Put the outer one back, or
  // the outer pass could no longer free the tensors its nodes saved.
  const outerTape = engine.state.activeTape;
  try {
    return tf.tidy(() => {
      const { grads } = engine.gradients(() => recompute(x), [x, ...params], dy, true);
      // A parameter the block does not use (none today) gets a zero gradient, as PyTorch's None.
      return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? x : params[i - 1]));
    });
  } finally {
    engine.state.activeTape = outerTape;
    afterRecompute();
  }
}
