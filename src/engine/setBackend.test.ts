import { describe, expect, it } from 'vitest';
import { isSoftwareGpu } from './setBackend';

describe('auto backend choice', () => {
  it('passes over software GPU adapters, whose training is slower than WASM', () => {
    const swiftshader = 'google / swiftshader (software fallback)';
    expect(isSoftwareGpu({ name: 'webgpu', available: true, detail: swiftshader })).toBe(true);
    expect(
      isSoftwareGpu({ name: 'webgpu', available: true, detail: 'x', fallbackAdapter: true }),
    ).toBe(true);
    expect(
      isSoftwareGpu({
        name: 'webgl',
        available: true,
        detail: 'WebGL2: ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))',
      }),
    ).toBe(true);
  });

  it('keeps real GPUs and never calls WASM or CPU "software GPUs"', () => {
    const nvidia = 'nvidia / hopper / NVIDIA H100';
    expect(isSoftwareGpu({ name: 'webgpu', available: true, detail: nvidia })).toBe(false);
    expect(
      isSoftwareGpu({ name: 'webgl', available: true, detail: 'WebGL2: ANGLE (NVIDIA)' }),
    ).toBe(false);
    expect(isSoftwareGpu({ name: 'wasm', available: true, detail: 'WebAssembly + SIMD' })).toBe(
      false,
    );
    expect(isSoftwareGpu({ name: 'cpu', available: true, detail: 'plain JavaScript' })).toBe(false);
  });
});
