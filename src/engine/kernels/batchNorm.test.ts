// Our one-op batch norm (forward, closed-form backward, fused block end, running-statistics
// fold) against a plain float64 reference, on the cpu backend (the composed path), on wasm
// (batchNormWasm.ts) and on WebGPU (the WGSL kernels), over fuzzed shapes: batch 1…64, odd sizes,
// channels 3…512. WebGPU runs on SwiftShader here, so shapes stay small.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { countGpuWork } from '../webgpu/gpuCounters';
import { batchNormTraining, foldRunningStats, type BlockEnd } from './batchNorm';
import { expectClose, onBackend, randomValues, wasmInNode } from './lib/testUtil';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`batchNorm kernels: WebGPU tests skipped: ${gpu.reason}`);
const EPS = 1e-5;

type Shape = [number, number, number, number];
interface Case {
  shape: Shape;
  residual: boolean;
  relu: boolean;
}

/** Inputs of one case: x (mean 3, spread 2, so that the shift matters), γ, β, r, dy. */
function inputs({ shape }: Case, seed: number) {
  const size = shape.reduce((a, b) => a * b, 1);
  const c = shape[3];
  return {
    x: randomValues(size, seed, 2, 3),
    gamma: randomValues(c, seed + 1, 0.5, 1),
    beta: randomValues(c, seed + 2),
    residual: randomValues(size, seed + 3),
    dy: randomValues(size, seed + 4),
  };
}

/** PyTorch's training batch norm, block end and backward, in float64. */
function reference(k: Case, d: ReturnType<typeof inputs>) {
  const c = k.shape[3];
  const rows = d.x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  d.x.forEach((v, i) => (mean[i % c] += v / rows));
  d.x.forEach((v, i) => (variance[i % c] += (v - mean[i % c]) ** 2 / rows));
  const invStd = variance.map((v) => 1 / Math.sqrt(v + EPS));
  const xHat = Array.from(d.x, (v, i) => (v - mean[i % c]) * invStd[i % c]);
  const y = xHat.map((h, i) => {
    const v = h * d.gamma[i % c] + d.beta[i % c] + (k.residual ? d.residual[i] : 0);
    return k.relu ? Math.max(v, 0) : v;
  });
  const g = Array.from(d.dy, (v, i) => (k.relu && y[i] <= 0 ? 0 : v));
  const dBeta = new Float64Array(c);
  const dGamma = new Float64Array(c);
  g.forEach((v, i) => {
    dBeta[i % c] += v;
    dGamma[i % c] += v * xHat[i];
  });
  const dx = g.map((v, i) => {
    const ch = i % c;
    return d.gamma[ch] * invStd[ch] * (v - dBeta[ch] / rows - (xHat[i] * dGamma[ch]) / rows);
  });
  return { y, mean, variance, dx, dGamma, dBeta, dResidual: g };
}

/** Our op on the current backend: values, batch statistics and gradients of Σ y·dy. */
async function ours(k: Case, d: ReturnType<typeof inputs>) {
  const { shape } = k;
  const c = shape[3];
  const x = tf.tensor4d(d.x, shape);
  const gamma = tf.tensor1d(d.gamma);
  const beta = tf.tensor1d(d.beta);
  const residual = tf.tensor4d(d.residual, shape);
  const dy = tf.tensor4d(d.dy, shape);
  let mean: tf.Tensor | undefined;
  let variance: tf.Tensor | undefined;
  const f = (a: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor, r: tf.Tensor, keepStats = false) => {
    const end: BlockEnd = { relu: k.relu, ...(k.residual ? { residual: r as tf.Tensor4D } : {}) };
    const out = batchNormTraining(a as tf.Tensor4D, gm as tf.Tensor1D, bt as tf.Tensor1D, EPS, end);
    const stats = 'packed' in out.stats ? tf.unstack(out.stats.packed) : Object.values(out.stats);
    if (keepStats) [mean, variance] = stats.map((t) => tf.keep(t.clone()));
    tf.dispose(Object.values(out.stats));
    return out.y;
  };
  const y = tf.tidy(() => f(x, gamma, beta, residual, true));
  // Without a residual, r still gets a (zero) gradient so that one grads() serves both.
  const grads = tf.grads((a, gm, bt, r) =>
    tf.add(tf.sum(tf.mul(f(a, gm, bt, r), dy)), k.residual ? 0 : tf.sum(tf.mul(r, 0))),
  );
  const [dx, dGamma, dBeta, dResidual] = grads([x, gamma, beta, residual]);
  const read = async (t: tf.Tensor) => Array.from(await t.data());
  const result = {
    y: await read(y),
    mean: await read(mean!),
    variance: await read(variance!),
    dx: await read(dx),
    dGamma: await read(dGamma),
    dBeta: await read(dBeta),
    dResidual: await read(dResidual),
  };
  tf.dispose([x, gamma, beta, residual, dy, y, mean!, variance!, dx, dGamma, dBeta, dResidual]);
  expect(result.mean.length).toBe(c);
  return result;
}

const CASES: Case[] = [
  { shape: [1, 2, 3, 3], residual: false, relu: false },
  { shape: [64, 3, 3, 5], residual: true, relu: true },
  { shape: [3, 5, 7, 16], residual: false, relu: true },
  { shape: [2, 3, 3, 512], residual: true, relu: false },
  { shape: [7, 1, 9, 33], residual: true, relu: true },
  { shape: [32, 8, 8, 16], residual: true, relu: true },
];

async function checkCase(k: Case, seed: number) {
  const d = inputs(k, seed);
  const want = reference(k, d);
  const got = await ours(k, d);
  for (const key of Object.keys(want) as (keyof typeof want)[]) {
    if (key === 'dResidual' && !k.residual) continue;
    expectClose(got[key], want[key], `${JSON.stringify(k)} ${key}`);
  }
}

await wasmInNode();
const backends = ['cpu', 'wasm', ...(gpu.available ? ['webgpu'] : [])];

describe.each(backends)('one-op batch norm on %s', (backend) => {
  it.each(CASES.map((k, i) => [JSON.stringify(k), k, i] as const))(
    'equals the float64 reference: %s',
    async (_, k, i) => onBackend(backend, () => checkCase(k, 100 + 10 * i)),
  );

  it('folds running statistics as PyTorch (momentum 0.1, unbiased variance)', async () =>
    onBackend(backend, async () => {
      if (backend === 'cpu') return; // the composed fold is batchNorm.test.ts's
      const packed = tf.tensor2d([1, 2, 3, 0.5, 1, 2], [2, 3]);
      const running = tf.tensor1d([0, 1, 4]);
      const [m, v] = foldRunningStats(running, running, packed, 10 / 9, 0.1);
      expectClose(await m.data(), [0.1, 1.1, 3.9], 'running mean');
      expectClose(await v.data(), [0.5 / 9, 0.9 + 1 / 9, 3.6 + 2 / 9], 'running var');
      tf.dispose([packed, running, m, v]);
    }));
});

describe.skipIf(!gpu.available)('one-op batch norm: WebGPU dispatches', () => {
  it('forward 2, backward 2 (dγ and dβ, then dx with the shortcut gradient)', async () => {
    const shape: Shape = [4, 6, 6, 8];
    const x = tf.randomNormal(shape);
    const r = tf.randomNormal(shape);
    const gamma = tf.ones([8]);
    const beta = tf.zeros([8]);
    await Promise.all([x.data(), r.data(), gamma.data(), beta.data()]);
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const forward = await countGpuWork(async () => {
      const out = batchNormTraining(
        x as tf.Tensor4D,
        gamma as tf.Tensor1D,
        beta as tf.Tensor1D,
        EPS,
        {
          residual: r as tf.Tensor4D,
          relu: true,
        },
      );
      if ('packed' in out.stats) out.stats.packed.dispose();
      await out.y.data();
      out.y.dispose();
    });
    expect(forward.counts.dispatches).toBe(2);
    const grads = tf.grads((a, gm, bt, res) => {
      const out = batchNormTraining(a as tf.Tensor4D, gm as tf.Tensor1D, bt as tf.Tensor1D, EPS, {
        residual: res as tf.Tensor4D,
        relu: true,
      });
      if ('packed' in out.stats) out.stats.packed.dispose();
      return out.y;
    });
    const both = await countGpuWork(async () => {
      const gs = grads([x, gamma, beta, r]);
      await Promise.all(gs.map((g) => g.data()));
      tf.dispose(gs);
    });
    // forward 2 (grads runs it again; its ones-like dy is an upload) + backward 2
    expect(both.counts.dispatches).toBe(4);
    tf.dispose([x, r, gamma, beta]);
  });
});
