// npm run bench -- --preset <name> [--batch N] [--steps N] [--warmup N] [--backend B] --node
// npm run bench -- --cardinality-sweep [--cardinalities 1,8,32] [--batch N] [--steps N] --node
// Times training steps after warm-up and prints ONE JSON object on stdout: our engine against
// the same network in plain tfjs-layers, or the cardinality sweep (src/engine/bench.ts).
// Exit status 2 for bad options, 1 when the benchmark itself fails.

import { fileURLToPath } from 'node:url';
import { runBenchmark } from '../src/engine/bench';
import { initBackend, type BackendChoice } from '../src/engine/setBackend';
import { PRESETS, presetNames } from '../src/spec/index';

const USAGE =
  'usage: npm run bench -- (--preset <name> | --cardinality-sweep [--cardinalities 1,8,32]) ' +
  '[--batch N] [--steps N] [--warmup N] [--backend auto|wasm|cpu|webgl|webgpu] --node';

// In Node the wasm backend loads its binaries from this directory (a plain path works).
const WASM_DIR = fileURLToPath(
  new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
);

function exit(message: string): never {
  console.error(message);
  process.exit(2);
}

function wholeNumber(text: string | undefined, option: string, min: number, max: number) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    exit(`${option} needs a whole number from ${min} to ${max}, got ${text ?? 'nothing'}`);
  }
  return value;
}

function parseArgs(argv: string[]) {
  const o = {
    preset: '',
    sweep: false,
    cardinalities: [1, 8, 32],
    batch: 32,
    steps: 5,
    warmup: 1,
    backend: 'wasm' as BackendChoice,
    node: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--preset') o.preset = argv[++i] ?? exit(USAGE);
    else if (arg === '--cardinality-sweep') o.sweep = true;
    else if (arg === '--cardinalities') {
      o.cardinalities = (argv[++i] ?? '').split(',').map((c) => wholeNumber(c, arg, 1, 256));
    } else if (arg === '--batch') o.batch = wholeNumber(argv[++i], arg, 1, 4096);
    else if (arg === '--steps') o.steps = wholeNumber(argv[++i], arg, 1, 10_000);
    else if (arg === '--warmup') o.warmup = wholeNumber(argv[++i], arg, 0, 1000);
    else if (arg === '--backend') {
      const backend = argv[++i];
      if (!['auto', 'webgpu', 'webgl', 'wasm', 'cpu'].includes(backend)) exit(USAGE);
      o.backend = backend as BackendChoice;
    } else if (arg === '--node') o.node = true;
    else exit(`unknown option ${arg}\n${USAGE}`);
  }
  if (o.sweep === Boolean(o.preset)) exit(`give either --preset or --cardinality-sweep\n${USAGE}`);
  if (o.preset && !Object.hasOwn(PRESETS, o.preset)) {
    exit(`unknown preset "${o.preset}"; presets: ${presetNames().join(', ')}`);
  }
  if (!o.node) {
    exit(
      'not yet: the browser benchmark (headless Chromium through the built app) is still to ' +
        'come; use --node to benchmark in Node (wasm or cpu)',
    );
  }
  if (o.backend === 'webgl' || o.backend === 'webgpu') {
    // No WebGL in Node; WebGPU would need the npm `webgpu` package (dawn.node), not installed.
    exit(`--backend ${o.backend} is not available in Node: use wasm or cpu`);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const init = await initBackend(o.backend, { wasmPaths: WASM_DIR });
  const result = await runBenchmark({
    batch: o.batch,
    steps: o.steps,
    warmup: o.warmup,
    ...(o.sweep ? { sweep: o.cardinalities } : { preset: o.preset }),
  });
  console.log(JSON.stringify({ ...init, runtime: `node ${process.version}`, ...result }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
