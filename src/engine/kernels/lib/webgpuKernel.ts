// What every Cardinal WebGPU kernel shares: registering a kernel for the 'webgpu' backend once,
// running a WGSL program through TF.js's own machinery (its buffer pool, its pipeline cache, its
// uniform layout), and small WGSL snippets. Each kernel's file holds its own program.
//
// A program's getUserCode() is WGSL with `fn main(index: i32)`; TF.js prepends the bindings:
// `result` (the output), one read-only array per name in variableNames, and `uniforms` with
// each input's shape, `outShape`, `size` (when size is set) and the program's own uniforms.
// Dynamic sizes go in uniforms, never in the code: the pipeline cache is keyed by shaderKey
// and the inputs' ranks, not their shapes.

import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type Uniform = { type: 'float' | 'int32' | 'uint32'; data: number[] };

const registered = new Set<string>();

/** Registers kernelFunc as `name` on the webgpu backend (once per process). */
export function registerWebgpuKernel(
  name: string,
  kernelFunc: (
    /** Inputs by name; an optional one is absent (undefined) when not given. */
    inputs: Record<string, tf.TensorInfo>,
    backend: WebGPUBackend,
    attrs: tf.NamedAttrMap,
  ) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (registered.has(name)) return;
  registered.add(name);
  tf.registerKernel({
    kernelName: name,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) =>
      kernelFunc(
        inputs as Record<string, tf.TensorInfo>,
        backend as unknown as WebGPUBackend,
        attrs ?? {},
      ),
  });
}

/** Whether the current backend is WebGPU, where our WGSL kernels run. */
export function onWebgpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** One invocation per output element, `workgroupSize` to a workgroup (TF.js's flat layout). */
export function elementwiseProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  userCode: string,
  uniforms = '',
): WebGPUProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  const workgroupSize: [number, number, number] = [128, 1, 1];
  return {
    shaderKey,
    variableNames,
    outputShape,
    workgroupSize,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / workgroupSize[0]), 1, 1],
    size: true,
    uniforms,
    getUserCode: () => userCode,
  };
}

/**
 * One workgroup of `threads` invocations per channel: the shape of a per-channel reduction
 * over rows. main's index / threads is the channel, localId.x the thread within it.
 */
export function perChannelProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  channels: number,
  threads: number,
  userCode: string,
  uniforms = '',
): WebGPUProgram {
  return {
    shaderKey: `${shaderKey}_${threads}`,
    variableNames,
    outputShape,
    workgroupSize: [threads, 1, 1],
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [channels, 1, 1],
    uniforms,
    getUserCode: () => userCode,
  };
}

/** Threads per channel for a reduction over `rows` values: enough to keep each short. */
export function reductionThreads(rows: number): number {
  return rows >= 16384 ? 256 : rows >= 1024 ? 128 : 64;
}

/**
 * WGSL: a tree sum of `threads` partial sums in workgroup arrays (names given), leaving the
 * totals in element 0. Every invocation must reach it (it has barriers).
 */
export function workgroupSum(arrays: string[], threads: number): string {
  const adds = arrays.map((a) => `${a}[t] = ${a}[t] + ${a}[t + k];`).join(' ');
  return `
    workgroupBarrier();
    for (var k = ${threads / 2}; k > 0; k = k / 2) {
      if (t < k) { ${adds} }
      workgroupBarrier();
    }`;
}

export function runProgram(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  uniforms: Uniform[] = [],
  dtype: tf.DataType = 'float32',
): tf.TensorInfo {
  return backend.runWebGPUProgram(program, inputs, dtype, uniforms);
}
