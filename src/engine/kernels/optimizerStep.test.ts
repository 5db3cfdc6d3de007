// The one-kernel optimizer step (WebGPU and WASM) against optim.ts's composed update on the cpu backend (which
// optim.test.ts checks against torch.optim in float64): parameters and state after a few steps,
// over odd sizes, SGD (momentum, Nesterov, weight decay, a momentum override) and AdamW.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../../spec/types';
import { createOptimizer } from '../optim';
import { countGpuWork } from '../webgpu/gpuCounters';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { expectClose, onBackend, randomValues, wasmInNode } from './lib/testUtil';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`optimizer kernels: WebGPU tests skipped: ${gpu.reason}`);

const SHAPES = [[3], [7, 5], [3, 3, 16, 17], [1], [513]];
const LRS = [0.1, 0.05, 0.2];
const MOMENTA = [undefined, 0.85, 0.95];

/** Parameters and optimizer state after three steps on the current backend. */
async function threeSteps(spec: OptimizerSpec) {
  const params = new Map(
    SHAPES.map((shape, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return [`p${i}`, tf.variable(tf.tensor(randomValues(size, 7 + i), shape), true, `opt${i}`)];
    }),
  );
  const opt = createOptimizer(spec);
  for (let k = 0; k < LRS.length; k++) {
    const grads = new Map(
      [...params].map(([name, p], i) => [
        name,
        tf.tensor(randomValues(p.size, 100 * k + i), p.shape),
      ]),
    );
    opt.step(params, grads, LRS[k], MOMENTA[k]);
    tf.dispose([...grads.values()]);
  }
  const state = opt.state();
  const read = async (t?: tf.Tensor) => (t ? Array.from(await t.data()) : []);
  const out: Record<string, number[]> = {};
  for (const [name, p] of params) {
    const s = state.params[name];
    out[name] = [
      ...(await read(p)),
      ...(await read(s.momentumBuffer)),
      ...(await read(s.expAvg)),
      ...(await read(s.expAvgSq)),
    ];
    tf.dispose([s.momentumBuffer, s.expAvg, s.expAvgSq]);
  }
  opt.dispose();
  tf.dispose([...params.values()]);
  return out;
}

const SPECS: OptimizerSpec[] = [
  { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
  { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  { kind: 'sgd', lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 },
  { kind: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
];

await wasmInNode();

describe('one-kernel optimizer step on WASM', () => {
  it.each(SPECS.map((s) => [JSON.stringify(s), s] as const))(
    'equals the composed update on cpu bit for bit: %s',
    async (_, spec) => {
      const want = await onBackend('cpu', () => threeSteps(spec));
      const got = await onBackend('wasm', () => threeSteps(spec));
      for (const name of Object.keys(want)) expect(got[name], name).toEqual(want[name]);
    },
  );
});

describe.skipIf(!gpu.available)('fused optimizer step on WebGPU', () => {
  it.each(SPECS.map((s) => [JSON.stringify(s), s] as const))(
    'equals the composed update on cpu: %s',
    async (_, spec) => {
      const want = await onBackend('cpu', () => threeSteps(spec));
      const got = await threeSteps(spec);
      for (const name of Object.keys(want)) expectClose(got[name], want[name], name, 1e-5);
    },
  );

  it('costs one dispatch per parameter and uploads nothing', async () => {
    const spec = SPECS[1];
    const p = tf.variable(tf.randomNormal([64, 3]), true, 'countMe');
    const g = tf.randomNormal([64, 3]);
    const params = new Map([['p', p]]);
    const grads = new Map([['p', g]]);
    const opt = createOptimizer(spec);
    opt.step(params, grads, 0.1); // first step: makes the buffer
    await p.data();
    const { counts } = await countGpuWork(async () => {
      opt.step(params, grads, 0.05, 0.8);
      await p.data();
    });
    expect(counts.dispatches).toBe(1);
    expect(counts.uploads).toBe(0);
    opt.dispose();
    tf.dispose([p, g]);
  });
});
