// vitest setup for *.webgpu.test.ts files (vitest.config.ts, project 'webgpu'): installs
// dawn.node before any test module imports TF.js's WebGPU backend, which registers itself only
// where navigator.gpu exists at import time. Tests read the outcome with webgpuForTests().

import { installNodeWebgpu } from './nodeWebgpu.node';

const gpu = await installNodeWebgpu();
if (gpu.available) console.info(`[webgpu tests] adapter: ${gpu.adapter}`);
else console.warn(`[webgpu tests] skipped: ${gpu.reason}`);
