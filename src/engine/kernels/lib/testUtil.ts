// Shared by the kernel tests: seeded random data, a closeness check with the kernels' tolerance,
// and running a function on each backend the test can use (cpu and wasm always; webgpu where
// dawn.node found an adapter). Test-only: nothing in the app imports it.

import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { createRng } from '../../../spec/random';
import { initBackend } from '../../setBackend';

/**
 * Makes the wasm backend usable in Node (its binaries read from node_modules, our training
 * kernels registered) and returns to the backend that was current.
 */
export async function wasmInNode(): Promise<void> {
  const before = tf.getBackend();
  const dir = new URL(
    '../../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/',
    import.meta.url,
  );
  // A file path: this file is type-checked with the app, which has no node:url.
  const init = await initBackend('wasm', { wasmPaths: decodeURIComponent(dir.pathname) });
  expect(init.backend).toBe('wasm');
  if (before) await tf.setBackend(before);
}

/** |a − b| ≤ tol · max(1, |b|) elementwise: 1e-4 against a float64 reference. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tol = 1e-4,
) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(
    worst,
    `${what}: worst error ${worst} at ${at} (${actual[at]} vs ${expected[at]})`,
  ).toBeLessThanOrEqual(tol);
}

/** n values from a seeded normal-ish distribution (sum of uniforms), scaled and shifted. */
export function randomValues(n: number, seed: number, scale = 1, shift = 0): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = shift + scale * (rng.next() + rng.next() + rng.next() - 1.5) * 2;
  }
  return out;
}

/** Runs `work` with `backend` as TF.js's backend, then goes back to the one before. */
export async function onBackend<T>(backend: string, work: () => Promise<T> | T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return await work();
  } finally {
    await tf.setBackend(before);
  }
}
