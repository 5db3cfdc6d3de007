import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchmark, type KernelTime } from './bench';
import { initBackend } from './setBackend';

// wasm: the CPU path the profile is for, and the backend whose conv gradients are made of
// forward Conv2Ds (wasmKernels.ts), which convMs must count once.
await initBackend('wasm', {
  wasmPaths: fileURLToPath(
    new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
  ),
});

interface Profiled {
  msPerStep: number;
  profile: { profiledMs: number; convMs: number; convShare: number; kernels: KernelTime[] };
}

describe('npm run bench -- --profile', () => {
  it('times the step, then lists one step’s time per kernel, slowest first, convs apart', async () => {
    const request = { preset: 'resnet8', batch: 2, steps: 1, warmup: 0, profile: true };
    const r = (await runBenchmark(request)) as Profiled;
    expect(r.msPerStep).toBeGreaterThan(0);
    const { kernels, convMs, convShare, profiledMs } = r.profile;
    const names = kernels.map((k) => k.kernel);
    for (const conv of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']) {
      expect(names).toContain(conv);
    }
    // resnet8: 7 convs forward, 7 filter gradients and 6 input gradients (none for the image),
    // each gradient one forward Conv2D on wasm: 20 Conv2Ds, whose time is convMs.
    const conv2d = kernels.find((k) => k.kernel === 'Conv2D')!;
    expect(conv2d.calls).toBe(20);
    expect(convMs).toBe(conv2d.ms);
    expect(kernels.map((k) => k.ms)).toEqual([...kernels.map((k) => k.ms)].sort((a, b) => b - a));
    expect(convMs).toBeGreaterThan(0);
    expect(convMs).toBeLessThanOrEqual(profiledMs);
    expect(convShare).toBeCloseTo(convMs / profiledMs, 2);
  });
});
