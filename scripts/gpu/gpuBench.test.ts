import { describe, expect, it } from 'vitest';
import { parseGpuBenchArgs, table } from './gpuBench';

describe('gpuBench arguments and table', () => {
  it('defaults to the three networks at batch 128, both kernel kinds, and PyTorch', () => {
    expect(parseGpuBenchArgs([])).toMatchObject({
      presets: ['resnet20', 'resnet56', 'resnext29_8x64d'],
      batch: 128,
      kernels: 'both',
      python: 'python3',
    });
    const o = parseGpuBenchArgs([
      '--presets=resnet8',
      '--batch',
      '2',
      '--no-torch',
      '--kernels',
      'cardinal',
    ]);
    expect(o).toMatchObject({ presets: ['resnet8'], batch: 2, python: null, kernels: 'cardinal' });
    expect(() => parseGpuBenchArgs(['--kernels', 'fast'])).toThrow(/--kernels/);
    expect(() => parseGpuBenchArgs(['--batch', '0'])).toThrow(/--batch/);
  });

  it('prints img/s, dispatches/step and the ratio to PyTorch per network and kernel kind', () => {
    const rows = [
      {
        preset: 'resnet20',
        kernels: 'stock',
        imgPerSec: 500,
        msPerStep: 256,
        dispatchesPerStep: 900,
      },
      {
        preset: 'resnet20',
        kernels: 'cardinal',
        imgPerSec: 1000,
        msPerStep: 128,
        dispatchesPerStep: 950,
      },
    ];
    const text = table(rows, {
      torch: '2.1',
      device: 'H200',
      networks: { resnet20: { imgPerSec: 2000, msPerStep: 64 } },
    });
    expect(text).toContain('| resnet20 | stock | 500.0 | 256.0 | 900 | 0.250 |');
    expect(text).toContain('| resnet20 | cardinal | 1000.0 | 128.0 | 950 | 0.500 |');
    expect(text).toContain('| resnet20 | PyTorch eager | 2000.0 | 64.0 | — | 1 |');
    expect(table(rows, { skipped: '--no-torch' })).toContain('PyTorch: --no-torch');
  });
});
