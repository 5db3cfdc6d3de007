// npm run bench: option checking in-process (nothing built or launched), then one tiny real
// benchmark in headless Chromium through the app's worker (build, server, Chromium,
// window.cardinal.bench), checking the one JSON object it prints.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumPath } from '../e2e/chromium';
import { REPO_ROOT } from './lib/browser';
import { parseArgs, runCli, type BenchCliOptions } from './bench';

/** Runs the CLI in-process; only usage errors and --help return before doing any work. */
async function cli(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const status = await runCli(argv, {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) } as unknown as NodeJS.WriteStream,
  });
  return { status, ...out };
}

describe('npm run bench: options', () => {
  it('defaults to the browser on wasm, and takes --name=value and browser flags', () => {
    const o = parseArgs(['--preset', 'resnet8', '--browser-arg', '--enable-foo']);
    expect(o).toEqual<BenchCliOptions>({
      request: { batch: 32, steps: 5, warmup: 1, preset: 'resnet8' },
      backend: 'wasm',
      node: false,
      browserArgs: ['--enable-foo'],
      verbose: false,
      vsPytorch: false,
      rounds: 1,
    });
    const sweep = parseArgs(['--cardinality-sweep', '--cardinalities=1,4', '--backend=webgpu']);
    expect(sweep).toMatchObject({ request: { sweep: [1, 4] }, backend: 'webgpu' });
    const both = parseArgs([
      '--cardinality-sweep',
      '--kernels',
      'both',
      '--node',
      '--backend=webgpu',
    ]);
    expect(both).toMatchObject({ request: { sweep: [1, 8, 32], kernels: 'both' } });
    expect(parseArgs(['--help'])).toBe('help');
  });

  it('takes --kernels, --no-baseline, --json and webgpu in Node', () => {
    const o = parseArgs([
      '--preset=resnet20',
      '--node',
      '--backend=webgpu',
      '--kernels=both',
      '--no-baseline',
      '--json',
    ]);
    expect(o).toMatchObject({
      request: { preset: 'resnet20', kernels: 'both', baseline: false },
      backend: 'webgpu',
      node: true,
    });
  });

  it('takes --threads, --memory [plain] and --vs-pytorch for a preset', () => {
    const o = parseArgs(['--preset', 'resnet20', '--threads', '2', '--memory', 'plain']);
    expect(o).toMatchObject({ request: { threads: 2, memory: 'plain' } });
    expect(parseArgs(['--preset', 'resnet20', '--memory'])).toMatchObject({
      request: { memory: 'planned' },
    });
    expect(parseArgs(['--preset', 'resnet20', '--vs-pytorch'])).toMatchObject({ vsPytorch: true });
    expect(parseArgs(['--preset', 'resnet20', '--profile'])).toMatchObject({
      request: { profile: true },
    });
    expect(() => parseArgs(['--cardinality-sweep', '--profile'])).toThrow(/need --preset/);
    expect(() => parseArgs(['--cardinality-sweep', '--memory'])).toThrow(/need --preset/);
    expect(() => parseArgs(['--preset', 'resnet20', 'plain'])).toThrow(/plain/);
  });

  it('takes --rounds with --vs-pytorch only', () => {
    const o = parseArgs(['--preset', 'resnet20', '--vs-pytorch', '--rounds', '3']);
    expect(o).toMatchObject({ vsPytorch: true, rounds: 3 });
    expect(parseArgs(['--preset', 'resnet20'])).toMatchObject({ rounds: 1 });
    expect(() => parseArgs(['--preset', 'resnet20', '--rounds', '3'])).toThrow(/--vs-pytorch/);
    expect(() => parseArgs(['--preset', 'resnet20', '--vs-pytorch', '--rounds', '0'])).toThrow();
  });

  it.each([
    [[], /give either --preset or --cardinality-sweep\nusage:/],
    [['--preset', 'resnet8', '--cardinality-sweep'], /give either/],
    [['--preset', 'resnet9'], /unknown preset "resnet9"; presets: resnet8/],
    [['--preset', 'resnet8', '--batch', '0'], /--batch needs a whole number from 1/],
    [['--preset', 'resnet8', '--steps', 'two'], /--steps needs a whole number/],
    [['--cardinality-sweep', '--cardinalities', '1,,8'], /--cardinalities needs a whole/],
    [['--preset', 'resnet8', '--backend', 'metal'], /unknown backend "metal"/],
    [['--preset'], /--preset needs a value/],
    [['--preset', 'resnet8', '--frobnicate'], /unknown option --frobnicate/],
    [['--preset', 'resnet8', '--node', '--backend', 'webgl'], /not available with --node/],
    [['--preset', 'resnet8', '--kernels', 'fast'], /--kernels must be one of stock, cardinal/],
    [['--preset', 'resnet8', '--node', '--browser-arg', '--x'], /leave out --node/],
  ])('exits 2 for %j', async (argv, message) => {
    const run = await cli(...argv);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

describe.skipIf(!existsSync(chromiumPath))('npm run bench in headless Chromium', () => {
  it('times resnet8 in the app worker and prints one JSON object, beside PyTorch in 2 rounds', async () => {
    const args = ['--preset', 'resnet8', '--batch', '2', '--steps', '1', '--warmup', '0'];
    args.push('--vs-pytorch', '--rounds', '2');
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (done, fail) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'scripts/bench.ts', ...args, '--backend', 'wasm'],
          { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', fail);
        child.on('close', (status) => done({ status, stdout, stderr }));
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      backend: 'wasm',
      adapter: expect.stringMatching(/^WebAssembly/),
      why: 'wasm: asked for',
      runtime: expect.stringMatching(/^chromium \d+\.\d+/),
      batch: 2,
      steps: 1,
      warmup: 0,
      preset: 'resnet8',
      params: 75290,
      baseline: { kind: 'tfjs-layers', params: 75290 },
    });
    expect(Object.keys(result).slice(0, 4)).toEqual(['backend', 'adapter', 'why', 'runtime']);
    for (const key of ['msPerStep', 'imgPerSec', 'gflopPerSec', 'ratio']) {
      expect(result[key], key).toBeGreaterThan(0);
    }
    expect(result.stepsMs).toHaveLength(1);
    expect(run.stderr).toMatch(/built the app in/);
    const pytorch = result.pytorch as Record<string, unknown>;
    if ('skipped' in pytorch) {
      console.warn(`bench.test.ts: the PyTorch rounds SKIPPED: ${String(pytorch.skipped)}`);
    } else {
      // Two rounds, ours then PyTorch each, and the median of their ratios.
      const rounds = result.rounds as { ours: number; pytorch: number; ratio: number }[];
      expect(rounds).toHaveLength(2);
      for (const r of rounds) expect(r.ratio).toBeCloseTo(r.ours / r.pytorch, 2);
      // The median of two, rounded to 3 places as the ratios are.
      const median = (rounds[0].ratio + rounds[1].ratio) / 2;
      expect(Math.abs((result.vsPytorch as number) - median)).toBeLessThanOrEqual(0.0005 + 1e-12);
      expect(result.vsPytorchIs).toMatch(/median over 2 rounds/);
      expect(pytorch).toMatchObject({ threads: result.threads, stepsMs: [expect.any(Number)] });
    }
  }, 120_000);
});
