// Cardinal's own kernels (one file per kernel, each with its WGSL, its registration and a test
// against a plain reference) and the switch between them and TF.js's stock kernels.
//
// The switch exists so the bench can measure both in one run (`npm run bench -- --kernels
// both`) and so a user or a test can fall back to stock TF.js if one of ours misbehaves on some
// adapter. Engine code asks `kernelMode()` when it builds a model or a train step; the choice
// is read at build time, never per op, so a step never mixes the two.

export type KernelMode = 'stock' | 'cardinal';
export const KERNEL_MODES: readonly KernelMode[] = ['stock', 'cardinal'];

/** The backends our kernels are registered on (WGSL on WebGPU, generated programs on WASM). */
export const KERNEL_BACKENDS: readonly string[] = ['webgpu', 'wasm'];

let mode: KernelMode = 'cardinal';

/** Which kernels models and train steps built from now on use. */
export function kernelMode(): KernelMode {
  return mode;
}

export function setKernelMode(next: KernelMode): void {
  mode = next;
}
