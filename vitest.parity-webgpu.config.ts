import { defineConfig } from 'vitest/config';

// The training-parity test (scripts/trainParity.test.ts) on TF.js's WebGPU backend in Node:
// dawn.node installed first (a GPU's Vulkan driver, or SwiftShader where there is none), as the
// 'webgpu' project of vitest.config.ts does for the kernels. Not part of `npm test` (about 10
// minutes on SwiftShader); run it with `npm run test:parity:webgpu`.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['scripts/trainParity.test.ts'],
    setupFiles: ['src/engine/webgpu/webgpuSetup.node.ts'],
    env: { CARDINAL_PARITY_BACKEND: 'webgpu' },
    testTimeout: 900_000,
  },
});
