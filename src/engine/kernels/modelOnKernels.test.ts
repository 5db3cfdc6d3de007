// A whole ResNeXt built on WebGPU with our kernels (the 'kernel' strategy, picked by default
// there) against the same model on the cpu backend (TF.js's own ops, split + concat): logits
// and every parameter's gradient, and kernelMode 'stock' giving back TF.js's split.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultGroupedConvStrategy } from '../groupedConv';
import { buildModel } from '../model';
import { tinyResNeXt } from '../testSpecs';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { relativeError, uniformValues } from './lib/convTestCases';
import { kernelMode, setKernelMode } from './index';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`modelOnKernels: WebGPU tests skipped: ${gpu.reason}`);

/** Logits and the gradients of Σ logits·r by parameter name, on the current backend. */
async function logitsAndGrads(images: Float32Array, r: Float32Array) {
  const model = buildModel(tinyResNeXt(), { seed: 3 });
  const x = tf.tensor4d(images, [2, 16, 16, 3]);
  const weights = tf.tensor2d(r, [2, 10]);
  const names = [...model.params.keys()];
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(x, true), weights)));
  const logits = tf.tidy(() => model.forward(x, false));
  const out = {
    loss: (await value.data())[0],
    logits: (await logits.data()) as Float32Array,
    grads: new Map<string, Float32Array>(),
  };
  for (const name of names) {
    const v = model.params.get(name)!;
    out.grads.set(name, (await grads[v.name].data()) as Float32Array);
  }
  tf.dispose([x, weights, value, logits, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe.skipIf(!gpu.available)('a ResNeXt on our WebGPU kernels', () => {
  it('picks the kernel strategy on webgpu, and split with stock kernels', () => {
    const before = kernelMode();
    setKernelMode('cardinal');
    expect(defaultGroupedConvStrategy()).toBe('kernel');
    setKernelMode('stock');
    expect(defaultGroupedConvStrategy()).toBe('split');
    setKernelMode(before);
  });

  it('gives the cpu backend’s logits and gradients for every parameter', async () => {
    const images = uniformValues(2 * 16 * 16 * 3, 7);
    const r = uniformValues(20, 8);
    const ours = await logitsAndGrads(images, r);
    await tf.setBackend('cpu');
    const reference = await logitsAndGrads(images, r).finally(() => tf.setBackend('webgpu'));
    expect(relativeError(ours.logits, reference.logits)).toBeLessThan(1e-4);
    expect(Math.abs(ours.loss - reference.loss)).toBeLessThan(
      1e-3 * Math.max(1, Math.abs(reference.loss)),
    );
    for (const [name, expected] of reference.grads) {
      expect(relativeError(ours.grads.get(name)!, expected), name).toBeLessThan(1e-4);
    }
  }, 600_000); // two whole forward/backward passes, one of them in plain JavaScript
});
