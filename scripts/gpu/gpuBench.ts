// The real-GPU bench, bundled by scripts/gpu/assemble.sh into one file that runs with a carried
// Node binary and dawn.node on a Linux x86-64 machine with a GPU's Vulkan driver and python3 +
// torch, and nothing else (no browser, no npm, no registry).
//
//   node bench.mjs [--presets resnet20,resnet56,resnext29_8x64d] [--batch 128] [--steps 10]
//     [--warmup 2] [--kernels stock|cardinal|both (both)] [--python python3 | --no-torch]
//     [--out results.json]
//
// For each network: our engine's train step on WebGPU with TF.js's stock kernels and with ours
// (src/engine/kernels/), then the same network in PyTorch eager on the same GPU (its model.py
// written from the same layer walk, src/engine/export/pytorchModel.ts; torch_bench.py beside
// this file). Prints a table (img/s, dispatches/step, ratio to PyTorch) on stdout, progress on
// stderr, and everything as JSON into --out.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanArgs, unknownArgument, UsageError, wholeNumber } from '../lib/cli';

interface Options {
  presets: string[];
  batch: number;
  steps: number;
  warmup: number;
  kernels: 'stock' | 'cardinal' | 'both';
  python: string | null;
  out: string | null;
}

export function parseGpuBenchArgs(argv: string[]): Options {
  const o: Options = {
    presets: ['resnet20', 'resnet56', 'resnext29_8x64d'],
    batch: 128,
    steps: 10,
    warmup: 2,
    kernels: 'both',
    python: 'python3',
    out: null,
  };
  scanArgs(argv, (arg, value) => {
    if (arg === '--presets') o.presets = value().split(',').filter(Boolean);
    else if (arg === '--batch') o.batch = wholeNumber(value(), '--batch', 1, 4096);
    else if (arg === '--steps') o.steps = wholeNumber(value(), '--steps', 1, 1000);
    else if (arg === '--warmup') o.warmup = wholeNumber(value(), '--warmup', 0, 100);
    else if (arg === '--kernels') {
      const k = value();
      if (k !== 'stock' && k !== 'cardinal' && k !== 'both') {
        throw new UsageError('--kernels must be stock, cardinal or both');
      }
      o.kernels = k;
    } else if (arg === '--python') o.python = value();
    else if (arg === '--no-torch') o.python = null;
    else if (arg === '--out') o.out = value();
    else throw unknownArgument(arg);
  });
  return o;
}

type Row = {
  preset: string;
  kernels: string;
  imgPerSec: number | null;
  msPerStep: number | null;
  dispatchesPerStep: number | null;
  error?: string;
};

async function benchWebgpu(o: Options, log: (s: string) => void) {
  // dawn.node first: TF.js's WebGPU backend registers only where navigator.gpu exists.
  const { installNodeWebgpu } = await import('../../src/engine/webgpu/nodeWebgpu.node');
  const gpu = await installNodeWebgpu();
  if (!gpu.available) throw new Error(`no WebGPU adapter: ${gpu.reason}`);
  log(`WebGPU adapter: ${gpu.adapter}${gpu.software ? ' (software)' : ''}`);
  const { initBackend } = await import('../../src/engine/setBackend');
  const { benchKernels } = await import('../../src/engine/bench');
  const { PRESETS } = await import('../../src/spec/index');
  await initBackend('webgpu');
  const results: Record<string, unknown> = {};
  const rows: Row[] = [];
  for (const preset of o.presets) {
    if (!Object.hasOwn(PRESETS, preset)) throw new UsageError(`unknown preset "${preset}"`);
    log(`${preset}: WebGPU, kernels ${o.kernels}, batch ${o.batch}…`);
    try {
      const r = await benchKernels(PRESETS[preset].spec, o, o.kernels);
      results[preset] = r;
      const arms = 'stock' in r ? [r.stock, r] : [r];
      for (const a of arms) {
        rows.push({
          preset,
          kernels: a.kernels,
          imgPerSec: a.imgPerSec,
          msPerStep: a.msPerStep,
          dispatchesPerStep: a.dispatchesPerStep,
        });
      }
    } catch (error) {
      results[preset] = { error: String(error) };
      rows.push({
        preset,
        kernels: o.kernels,
        imgPerSec: null,
        msPerStep: null,
        dispatchesPerStep: null,
        error: String(error),
      });
    }
  }
  return { adapter: gpu.adapter, software: gpu.software, results, rows };
}

/** PyTorch eager through torch_bench.py (beside this file), or why not. */
async function benchTorch(o: Options, log: (s: string) => void) {
  if (!o.python) return { skipped: '--no-torch' };
  const { PRESETS } = await import('../../src/spec/index');
  const { pytorchModelSource } = await import('../../src/engine/export/pytorchModel');
  const dir = mkdtempSync(join(tmpdir(), 'cardinal-torch-'));
  for (const preset of o.presets)
    writeFileSync(join(dir, `${preset}.py`), pytorchModelSource(PRESETS[preset].spec));
  const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_bench.py');
  log(`PyTorch eager: ${o.python} ${script}…`);
  const args = [script, dir, o.batch, o.steps, o.warmup, ...o.presets].map(String);
  const run = spawnSync(o.python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    return {
      skipped: `torch_bench.py failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr.slice(-2000)}`,
    };
  }
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    torch: string;
    device: string;
    networks: Record<string, { imgPerSec?: number; msPerStep?: number; error?: string }>;
  };
}

const cell = (v: number | null | undefined, digits = 1) => (v == null ? '—' : v.toFixed(digits));

export function table(rows: Row[], torch: Awaited<ReturnType<typeof benchTorch>>): string {
  const nets = 'networks' in torch ? torch.networks : {};
  const lines = [
    '| network | kernels | img/s | ms/step | dispatches/step | ÷ PyTorch img/s |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const t = nets[r.preset]?.imgPerSec;
    const ratio = r.imgPerSec != null && t ? r.imgPerSec / t : null;
    lines.push(
      `| ${r.preset} | ${r.kernels} | ${cell(r.imgPerSec)} | ${cell(r.msPerStep)} | ${r.dispatchesPerStep ?? '—'} | ${cell(ratio, 3)} |${r.error ? ` ${r.error}` : ''}`,
    );
  }
  for (const [name, t] of Object.entries(nets)) {
    lines.push(
      `| ${name} | PyTorch eager | ${cell(t.imgPerSec)} | ${cell(t.msPerStep)} | — | 1 |${t.error ? ` ${t.error}` : ''}`,
    );
  }
  if ('skipped' in torch) lines.push(`PyTorch: ${torch.skipped}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let o: Options;
  try {
    o = parseGpuBenchArgs(argv);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const webgpu = await benchWebgpu(o, log);
  const torch = await benchTorch(o, log);
  process.stdout.write(`${table(webgpu.rows, torch)}\n`);
  const report = {
    batch: o.batch,
    steps: o.steps,
    warmup: o.warmup,
    adapter: webgpu.adapter,
    software: webgpu.software,
    webgpu: webgpu.results,
    torch,
  };
  if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2));
  return webgpu.rows.some((r) => r.error) ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
