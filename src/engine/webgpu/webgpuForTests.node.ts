// What WebGPU tests run on: initialises TF.js's 'webgpu' backend on the dawn.node adapter that
// webgpuSetup.node.ts installed, or says why there is none so the test can skip with that reason.

import * as tf from '@tensorflow/tfjs';
import { installNodeWebgpu } from './nodeWebgpu.node';
import { initBackend } from '../setBackend';
import { installGpuCounters } from './gpuCounters';

export type WebgpuForTests =
  { available: true; adapter: string } | { available: false; reason: string };

export async function webgpuForTests(): Promise<WebgpuForTests> {
  const gpu = await installNodeWebgpu();
  if (!gpu.available) return gpu;
  try {
    const init = await initBackend('webgpu');
    // TF.js runs small ops on the CPU when their inputs are still there; kernel tests want
    // every op on the GPU, the way a training step's large tensors run.
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    installGpuCounters();
    return { available: true, adapter: init.adapter };
  } catch (error) {
    return { available: false, reason: `the webgpu backend did not start: ${String(error)}` };
  }
}
