import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchmark, type KernelTime } from './bench';
import { setKernelMode } from './kernels';
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
  const profiled = async () => {
    const request = { preset: 'resnet8', batch: 2, steps: 1, warmup: 0, profile: true };
    const r = (await runBenchmark(request)) as Profiled;
    expect(r.msPerStep).toBeGreaterThan(0);
    const { kernels, convMs, convShare, profiledMs } = r.profile;
    expect(kernels.map((k) => k.ms)).toEqual([...kernels.map((k) => k.ms)].sort((a, b) => b - a));
    expect(convMs).toBeGreaterThan(0);
    expect(convMs).toBeLessThanOrEqual(profiledMs);
    expect(convShare).toBeCloseTo(convMs / profiledMs, 2);
    const calls = (name: string) => kernels.find((k) => k.kernel === name)?.calls ?? 0;
    const ms = (name: string) => kernels.find((k) => k.kernel === name)?.ms ?? 0;
    return { convMs, calls, ms };
  };

  // resnet8: 7 convs forward, 7 filter gradients and 6 input gradients (none for the image),
  // and its 2 option-A shortcuts as fixed 1×1 convs (forward and input gradient).
  it('times the step, then lists one step’s time per kernel, slowest first, convs apart', async () => {
    const { convMs, calls, ms } = await profiled();
    const ours = ['CardinalGroupedConv2D', 'CardinalConv2DBackpropFilter'];
    expect(calls('CardinalGroupedConv2D')).toBe(7 + 2);
    expect(calls('CardinalConv2DBackpropFilter')).toBe(7);
    expect(calls('CardinalGroupedConv2DBackpropInput')).toBe(6 + 2);
    expect(calls('Slice')).toBe(0);
    expect(calls('Conv2D')).toBe(0);
    const sum = [...ours, 'CardinalGroupedConv2DBackpropInput'].reduce((s, n) => s + ms(n), 0);
    expect(convMs).toBeCloseTo(sum, 0);
  });

  it("counts TF.js's conv gradients once with stock kernels (each a forward Conv2D on wasm)", async () => {
    setKernelMode('stock');
    try {
      const { convMs, calls, ms } = await profiled();
      expect(calls('Conv2D')).toBe(20);
      expect(convMs).toBe(ms('Conv2D'));
    } finally {
      setKernelMode('cardinal');
    }
  });
});
