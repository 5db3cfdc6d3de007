// The one-dispatch bytes → augmented, normalised batch against augment.ts's ops on the cpu
// backend (toTensor then applyAugment), for crops, flips and erasing over batch sizes 1…64.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../spec/random';
import { applyAugment, CIFAR10_STATS, planAugment, toTensor } from '../augment';
import { countGpuWork } from '../webgpu/gpuCounters';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { augmentBytes, bytesKernelCovers } from './augmentBytes';
import { expectClose, onBackend, wasmInNode } from './lib/testUtil';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`augment kernel: WebGPU tests skipped: ${gpu.reason}`);

const { mean, std } = CIFAR10_STATS;
const bytes = (n: number, seed: number) => {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n * 3072 }, () => Math.floor(rng.next() * 256));
};
const SPECS = {
  none: { crop: false, flip: false, colorJitter: null, randomErasing: 0 },
  cropFlipErase: { crop: true, flip: true, colorJitter: null, randomErasing: 0.7 },
};

describe('bytes → augmented batch on the host (every backend but WebGPU)', () => {
  beforeAll(wasmInNode);

  it.each([
    [1, 'none', 'cpu'],
    [5, 'cropFlipErase', 'cpu'],
    [64, 'cropFlipErase', 'wasm'],
  ] as const)(
    'batch %i, %s on %s: toTensor + applyAugment there, bit for bit',
    async (n, which, backend) => {
      const pixels = bytes(n, n);
      const plans = planAugment(n, SPECS[which], createRng(n + 1));
      const [want, got] = await onBackend(backend, async () => {
        const ops = tf.tidy(() => applyAugment(toTensor(pixels, n), plans, mean, std));
        const host = augmentBytes(pixels, n, plans, mean, std)!;
        expect(host.shape).toEqual([n, 32, 32, 3]);
        const values = await Promise.all([ops.data(), host.data()]);
        tf.dispose([ops, host]);
        return values;
      });
      expect(Array.from(got)).toEqual(Array.from(want));
    },
  );
});

describe.skipIf(!gpu.available)('bytes → augmented batch in one WebGPU dispatch', () => {
  it.each([
    [1, 'none'],
    [5, 'cropFlipErase'],
    [64, 'cropFlipErase'],
  ] as const)('batch %i, %s: equals toTensor + applyAugment on cpu', async (n, which) => {
    const pixels = bytes(n, n);
    const plans = planAugment(n, SPECS[which], createRng(n + 1));
    expect(bytesKernelCovers(plans)).toBe(true);
    const want = await onBackend('cpu', async () => {
      const t = tf.tidy(() => applyAugment(toTensor(pixels, n), plans, mean, std));
      const data = await t.data();
      t.dispose();
      return data;
    });
    const got = augmentBytes(pixels, n, plans, mean, std)!;
    expect(got.shape).toEqual([n, 32, 32, 3]);
    expectClose(await got.data(), want, `batch ${n}`, 1e-6);
    got.dispose();
  });

  it('is one dispatch and two uploads (bytes, plan); colour jitter falls back', async () => {
    const n = 8;
    const pixels = bytes(n, 3);
    const plans = planAugment(n, SPECS.cropFlipErase, createRng(2));
    augmentBytes(pixels, n, plans, mean, std)!.dispose(); // the byte table goes up once
    const { counts } = await countGpuWork(async () => {
      const x = augmentBytes(pixels, n, plans, mean, std)!;
      await x.data();
      x.dispose();
    });
    expect(counts.dispatches).toBe(1);
    expect(counts.uploads).toBe(2);
    const jitter = {
      ...SPECS.none,
      colorJitter: { brightness: 0.4, contrast: 0, saturation: 0, hue: 0 },
    };
    expect(augmentBytes(pixels, n, planAugment(n, jitter, createRng(1)), mean, std)).toBeNull();
  });
});
