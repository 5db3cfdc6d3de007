import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetRecipe } from '../spec/recipes';
import type { ArchSpec, Recipe } from '../spec/types';
import { CIFAR10_STATS } from './augment';
import { groupedConv2d, type PadArg } from './groupedConv';
import { initBackend } from './setBackend';
import { basicStage, bottleneckStage } from './testSpecs';
import { createTrainer, type Batch } from './train';

// In Node the wasm backend reads its binaries from a file path (a file: URL works too); the
// trailing slash makes it a directory prefix.
const WASM_DIR = fileURLToPath(
  new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
);

beforeAll(async () => {
  const init = await initBackend('wasm', { wasmPaths: WASM_DIR });
  expect(init.backend).toBe('wasm');
});

/** Deterministic values in [−1, 1): the same inputs on both backends. */
function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs f on `backend` and switches back to wasm, whatever happens. */
async function on<T>(backend: 'cpu' | 'wasm', f: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  try {
    return await f();
  } finally {
    await tf.setBackend('wasm');
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

type Pad = PadArg | 'same' | number;
interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const explicit = (p: number): Pad => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], w: [3, 3, 3, 5], stride: 1, pad: explicit(1) },
  { x: [2, 8, 8, 4], w: [3, 3, 4, 6], stride: 2, pad: explicit(1) },
  { x: [2, 7, 7, 4], w: [3, 3, 4, 6], stride: 2, pad: explicit(1) }, // odd size, stride 2
  { x: [3, 8, 8, 6], w: [1, 1, 6, 4], stride: 1, pad: 'valid' },
  { x: [3, 8, 8, 6], w: [1, 1, 6, 8], stride: 2, pad: 'valid' }, // projection shortcut
  { x: [2, 9, 9, 3], w: [7, 7, 3, 4], stride: 2, pad: explicit(3) }, // ImageNet stem
  { x: [2, 8, 8, 3], w: [3, 3, 3, 4], stride: 2, pad: 'same' }, // one-sided padding
  { x: [2, 8, 8, 3], w: [3, 3, 3, 4], stride: 1, pad: 2 },
  { x: [1, 6, 5, 2], w: [2, 3, 2, 3], stride: 2, pad: 'valid' }, // unread trailing column
  { x: [2, 5, 5, 3], w: [1, 1, 3, 2], stride: 2, pad: explicit(1) }, // a padded 1×1
];

/** dx, dw of Σ conv2d(x, w)·r, r a fixed upstream gradient. */
async function convGrads(c: ConvCase): Promise<Float32Array[]> {
  const x = tf.tensor4d(
    values(
      c.x.reduce((a, b) => a * b),
      1,
    ),
    c.x,
  );
  const w = tf.tensor4d(
    values(
      c.w.reduce((a, b) => a * b),
      2,
    ),
    c.w,
  );
  const y = tf.conv2d(x, w, c.stride, c.pad);
  const r = tf.tensor(values(y.size, 3), y.shape);
  const [dx, dw] = tf.grads((a, b) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)),
  )([x, w]);
  const out = [(await dx.data()) as Float32Array, (await dw.data()) as Float32Array];
  tf.dispose([x, w, y, r, dx, dw]);
  return out;
}

describe('wasm training kernels', () => {
  it.each(CASES.map((c) => [JSON.stringify(c), c] as const))(
    'conv2d gradients match the cpu backend: %s',
    async (_, c) => {
      const [dxWasm, dwWasm] = await convGrads(c);
      const [dxCpu, dwCpu] = await on('cpu', () => convGrads(c));
      expect(maxDiff(dxWasm, dxCpu)).toBeLessThan(1e-4);
      expect(maxDiff(dwWasm, dwCpu)).toBeLessThan(1e-4);
    },
  );

  it('differentiates a grouped conv (split strategy) as the cpu backend does', async () => {
    const grads = async () => {
      const x = tf.tensor4d(values(2 * 6 * 6 * 8, 4), [2, 6, 6, 8]);
      const w = tf.tensor4d(values(3 * 3 * 2 * 8, 5), [3, 3, 2, 8]);
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride: 2, pad: 1, groups: 4 });
      const [dx, dw] = tf.grads((a, b) => tf.sum(tf.square(conv(a, b))))([x, w]);
      const out = [await dx.data(), await dw.data()];
      tf.dispose([x, w, dx, dw]);
      return out as Float32Array[];
    };
    const [dxWasm, dwWasm] = await grads();
    const [dxCpu, dwCpu] = await on('cpu', grads);
    expect(maxDiff(dxWasm, dxCpu)).toBeLessThan(1e-4);
    expect(maxDiff(dwWasm, dwCpu)).toBeLessThan(1e-4);
  });

  it('sums repeated segment ids (the gradient of gather)', async () => {
    const run = async () => {
      const x = tf.tensor2d(values(6 * 3, 6), [6, 3]);
      const ids = tf.tensor1d([2, 0, 2, 4, 0, 2], 'int32');
      const sum = tf.unsortedSegmentSum(x, ids, 5);
      const dParams = tf.grad((p: tf.Tensor) => tf.sum(tf.square(tf.gather(p, ids))))(
        tf.tensor2d(values(5 * 3, 7), [5, 3]),
      );
      const out = [await sum.data(), await dParams.data()];
      tf.dispose([x, ids, sum, dParams]);
      return out as Float32Array[];
    };
    const [sumWasm, gradWasm] = await run();
    const [sumCpu, gradCpu] = await on('cpu', run);
    expect(maxDiff(sumWasm, sumCpu)).toBeLessThan(1e-6);
    expect(maxDiff(gradWasm, gradCpu)).toBeLessThan(1e-6);
  });

  it('tiles as the cpu backend does, for every dtype', async () => {
    const run = async () => {
      const f = tf.tensor4d(values(5, 8), [1, 1, 1, 5]);
      const g = tf.tensor3d(values(2 * 3 * 4, 9), [2, 3, 4]);
      const i = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
      const b = tf.tensor1d([true, false], 'bool');
      const tiles = [
        tf.tile(f, [2, 3, 4, 1]),
        tf.tile(g, [3, 1, 2]),
        tf.tile(i, [2, 2]),
        tf.tile(b, [3]),
      ];
      const out = await Promise.all(tiles.map((t) => t.data()));
      tf.dispose([f, g, i, b, ...tiles]);
      return out as Float32Array[];
    };
    const wasm = await run();
    const cpu = await on('cpu', run);
    wasm.forEach((t, k) => expect(Array.from(t)).toEqual(Array.from(cpu[k])));
  });

  it('registers idempotently', async () => {
    const names = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', 'Tile'];
    const before = names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    const again = await initBackend('wasm');
    expect(names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(before);
    expect(again.backend).toBe('wasm');
    expect(again.adapter).toMatch(/single thread/);
  });
});

// Narrow nets so the cpu side stays quick: a ResNet (option-A shortcuts, stride 2) and a
// ResNeXt (grouped 3×3, projection shortcuts).
const net = (stages: ArchSpec['stages']): ArchSpec => ({
  stem: { kind: 'cifar', channels: 8, dropout: 0 },
  stages,
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
});
const SPECS: [string, ArchSpec][] = [
  ['resnet', net([basicStage(1, 8, 1), basicStage(1, 16, 2)])],
  ['resnext', net([bottleneckStage(1, 16, 8, 4, 1), bottleneckStage(1, 32, 16, 8, 2)])],
];

function batch(n: number): Batch {
  const pixels = new Uint8Array(n * 3072);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + (i >> 10) * 11) % 256;
  return { pixels, labels: Uint8Array.from({ length: n }, (_, i) => (i * 3) % 10), size: n };
}

/** Two steps: the second loss sees the first step's gradients, so it checks them too. */
async function twoSteps(spec: ArchSpec): Promise<number[]> {
  const recipe: Recipe = {
    ...presetRecipe('quick')!,
    labelSmoothing: 0.1,
    augment: { crop: true, flip: true, colorJitter: null, randomErasing: 0 },
  };
  const trainer = createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 10 });
  const losses = [
    (await trainer.step(batch(4), 0, 0)).loss,
    (await trainer.step(batch(4), 0, 1)).loss,
  ];
  trainer.dispose();
  return losses;
}

describe('a train step on wasm', () => {
  it.each(SPECS)('%s: finite, and the same losses as on cpu', async (_, spec) => {
    const wasm = await twoSteps(spec);
    const cpu = await on('cpu', () => twoSteps(spec));
    for (const loss of wasm) expect(Number.isFinite(loss)).toBe(true);
    expect(Math.abs(wasm[0] - cpu[0])).toBeLessThan(1e-4);
    expect(Math.abs(wasm[1] - cpu[1])).toBeLessThan(1e-4);
    // The step really moved the weights (the losses differ).
    expect(wasm[1]).not.toBe(wasm[0]);
  });

  it('keeps no tensor from one step to the next', async () => {
    const recipe = presetRecipe('quick')!;
    const trainer = createTrainer({
      spec: SPECS[0][1],
      recipe,
      stats: CIFAR10_STATS,
      stepsPerEpoch: 9,
    });
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await trainer.step(batch(4), 0, i);
      counts.push(tf.memory().numTensors);
    }
    trainer.dispose();
    // The first step creates the momentum buffers; after that the count stays put.
    expect(counts[2]).toBe(counts[1]);
  });
});

describe('Identity on wasm', () => {
  it('shares its input’s data (the tape saves through it) and outlives the input', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const backend = tf.backend() as unknown as { refCount(dataId: object): number };
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    y.dispose();
  });
});
