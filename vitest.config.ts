import { defineConfig } from 'vitest/config';

// Two projects: everything on cpu/wasm, and the tests that also run on WebGPU (the kernels in
// src/engine/kernels/, and *.webgpu.test.ts anywhere), which need dawn.node installed before
// TF.js's WebGPU backend is imported (webgpuSetup.node.ts) and run one file at a time:
// SwiftShader spreads each dispatch over every core already.
const gpuTests = ['src/engine/kernels/**/*.test.ts', 'src/**/*.webgpu.test.ts'];
// Our WASM kernels live beside the WebGPU ones, but need no GPU: they run with the unit tests.
const wasmKernelTests = ['src/engine/kernels/wasm*.test.ts'];
const notWasm = (glob: string) => glob.replace('**/*.test.ts', '**/!(wasm)*.test.ts');
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: [...gpuTests.map(notWasm), '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'webgpu',
          include: gpuTests,
          exclude: [...wasmKernelTests, '**/node_modules/**'],
          setupFiles: ['src/engine/webgpu/webgpuSetup.node.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
        },
      },
    ],
  },
});
