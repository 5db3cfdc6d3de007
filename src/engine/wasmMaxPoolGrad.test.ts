import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './setBackend';

const WASM_DIR = fileURLToPath(
  new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
);

beforeAll(async () => {
  const init = await initBackend('wasm', { wasmPaths: WASM_DIR });
  expect(init.backend).toBe('wasm');
});

/** Deterministic values in [shift − 1, shift + 1). */
function values(size: number, seed: number, shift: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1 + shift;
  }
  return out;
}

/** PyTorch's max-pool gradient by hand: each dy to its window's first largest input. */
function reference(
  x: Float32Array,
  dy: Float32Array,
  [n, h, w, c]: number[],
  k: number,
  stride: number,
  pad: number,
): Float32Array {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let y = oy * stride - pad; y < oy * stride - pad + k; y++)
            for (let xx = ox * stride - pad; xx < ox * stride - pad + k; xx++) {
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const i = ((b * h + y) * w + xx) * c + ch;
              if (x[i] > best) [best, at] = [x[i], i];
            }
          dx[at] += dy[((b * oh + oy) * ow + ox) * c + ch];
        }
  return dx;
}

describe('MaxPoolGrad on wasm', () => {
  // The backend's own kernel sent the gradient of all-negative windows to the wrong input:
  // the CIFAR-100 net's 4×4 head (no ReLU before it) was 35% off PyTorch in layer4.
  const cases: [string, number[], number, number, number][] = [
    ['the 4×4 → 1×1 head', [4, 4, 4, 8], 4, 4, 0],
    ['2×2 stride 2', [2, 8, 8, 3], 2, 2, 0],
    ['the 3×3 stride-2 stem pool with padding 1', [2, 9, 9, 3], 3, 2, 1],
  ];
  for (const [title, shape, k, stride, pad] of cases) {
    for (const shift of [0, -5]) {
      it(`${title}, inputs around ${shift}: each gradient at its window's maximum`, async () => {
        const size = shape.reduce((a, b) => a * b, 1);
        const xv = values(size, 1 + k, shift);
        const x = tf.tensor4d(xv, shape as [number, number, number, number]);
        const y = tf.maxPool(x, k, stride, pad === 0 ? 'valid' : pad);
        const dyv = values(y.size, 7, 0);
        const dy = tf.tensor(dyv, y.shape);
        const dx = tf.grad((t: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, k, stride, pad === 0 ? 'valid' : pad), dy)),
        )(x);
        expect(tf.getBackend()).toBe('wasm');
        const want = reference(xv, dyv, shape, k, stride, pad);
        expect(Array.from(await dx.data())).toEqual(Array.from(want));
        tf.dispose([x, y, dy, dx]);
      });
    }
  }
});
