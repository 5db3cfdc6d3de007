// npm run bench -- --preset <name> [--batch N] [--steps N] [--warmup N] [--backend B]
//   [--kernels stock|cardinal|both] [--no-baseline]
// npm run bench -- --cardinality-sweep [--cardinalities 1,8,32] [--batch N] [--steps N] …
//   [--browser-arg FLAG]… [--verbose] [--node] [--json]
// Times training steps after warm-up and prints ONE JSON object on stdout (--json is accepted
// and is the only format): our engine against the same network in plain tfjs-layers, or the
// cardinality sweep (src/engine/bench.ts's runBenchmark), with what each step costs counted
// (kernel calls; on WebGPU dispatches, uploads, readbacks: src/engine/stepCounters.ts). By
// default in headless Chromium, in the app's training worker (built, served and launched like
// npm run train, lib/session.ts; no dataset needed), on any backend; with --node in this Node
// process (wasm, cpu, or webgpu through dawn.node: src/engine/webgpu/nodeWebgpu.node.ts).
// stderr: setup and notes.
// Exit status: 0 measured, 1 the benchmark or the browser failed, 2 bad usage, 130 interrupted.

import { fileURLToPath, pathToFileURL } from 'node:url';
import { KERNEL_CHOICES, median, type BenchRequest, type KernelChoice } from '../src/engine/bench';
import type { BackendChoice } from '../src/engine/setBackend';
import { PRESETS, presetNames } from '../src/spec/index';
import type { BenchResult } from '../src/worker/automation';
import {
  backendChoice,
  errorMessage,
  processIo,
  scanArgs,
  unknownArgument,
  UsageError,
  wholeNumber,
  type ScriptIo,
} from './lib/cli';
import { BrowserSession } from './lib/session';
import { benchPytorch } from './lib/vsPytorch';

const USAGE = [
  'usage: npm run bench -- (--preset <name> | --cardinality-sweep [--cardinalities 1,8,32])',
  '         [--batch N (32)] [--steps N (5)] [--warmup N (1)]',
  '         [--backend auto|webgpu|webgl|wasm|cpu (wasm)] [--browser-arg FLAG]... [--verbose]',
  '         [--kernels stock|cardinal|both (a preset: cardinal; the sweep: both)]',
  '         [--no-baseline] [--json]',
  '         [--node (in Node, not in headless Chromium: wasm, cpu or webgpu via dawn.node)]',
  '         [--threads N (WASM threads; default: every core in the browser, 1 in Node)]',
  '         [--memory [plain] (memory per step instead of speed: as the preflight plans it,',
  '          or the plain step without checkpointing)]',
  '         [--profile (then one more step under tf.profile: time per kernel, convs apart)]',
  '         [--vs-pytorch (also time the same network and batch in PyTorch, same threads)]',
  '         [--rounds N (1; with --vs-pytorch: N alternating rounds, ours then PyTorch, and the',
  '          median of their ratios)]',
].join('\n');

export interface BenchCliOptions {
  request: BenchRequest;
  backend: BackendChoice;
  node: boolean;
  browserArgs: string[];
  verbose: boolean;
  vsPytorch: boolean;
  /** Rounds of ours-then-PyTorch (--vs-pytorch): a ratio per round, their median reported. */
  rounds: number;
}

export function parseArgs(argv: string[]): BenchCliOptions | 'help' {
  const o = {
    preset: '',
    sweep: false,
    cardinalities: [1, 8, 32],
    batch: 32,
    steps: 5,
    warmup: 1,
    backend: 'wasm' as BackendChoice,
    node: false,
    browserArgs: [] as string[],
    verbose: false,
    kernels: undefined as KernelChoice | undefined,
    baseline: true,
    threads: 0,
    memory: null as 'planned' | 'plain' | null,
    vsPytorch: false,
    rounds: 1,
    profile: false,
  };
  const scanned = scanArgs(argv, (arg, value) => {
    switch (arg) {
      case '--help':
      case '-h':
        return 'help';
      case '--preset':
        o.preset = value();
        break;
      case '--cardinality-sweep':
        o.sweep = true;
        break;
      case '--cardinalities':
        o.cardinalities = value()
          .split(',')
          .map((c) => wholeNumber(c, arg, 1, 256));
        break;
      case '--batch':
        o.batch = wholeNumber(value(), arg, 1, 4096);
        break;
      case '--steps':
        o.steps = wholeNumber(value(), arg, 1, 10_000);
        break;
      case '--warmup':
        o.warmup = wholeNumber(value(), arg, 0, 1000);
        break;
      case '--backend':
        o.backend = backendChoice(value());
        break;
      case '--browser-arg':
        o.browserArgs.push(value(true));
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '--node':
        o.node = true;
        break;
      case '--kernels': {
        const kernels = value();
        if (!(KERNEL_CHOICES as readonly string[]).includes(kernels)) {
          throw new UsageError(`--kernels must be one of ${KERNEL_CHOICES.join(', ')}`);
        }
        o.kernels = kernels as KernelChoice;
        break;
      }
      case '--no-baseline':
        o.baseline = false;
        break;
      case '--json':
        break; // the only output format; accepted so that bench and train take the same flags
      case '--threads':
        o.threads = wholeNumber(value(), arg, 1, 1024);
        break;
      case '--memory':
        o.memory = 'planned';
        break;
      case 'plain':
        if (o.memory !== 'planned') throw unknownArgument(arg);
        o.memory = 'plain';
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--vs-pytorch':
        o.vsPytorch = true;
        break;
      case '--rounds':
        o.rounds = wholeNumber(value(), arg, 1, 100);
        break;
      default:
        throw unknownArgument(arg);
    }
  });
  if (scanned === 'help') return 'help';
  if (o.sweep === Boolean(o.preset)) {
    throw new UsageError('give either --preset or --cardinality-sweep');
  }
  if (o.preset && !Object.hasOwn(PRESETS, o.preset)) {
    throw new UsageError(
      `unknown preset "${o.preset}"; presets: ${presetNames().join(', ')}`,
      false,
    );
  }
  if (o.node && (o.backend === 'webgl' || o.backend === 'auto')) {
    // No WebGL in Node; 'auto' would pass over a software WebGPU adapter, so ask by name.
    throw new UsageError(
      `--backend ${o.backend} is not available with --node: use wasm, cpu or webgpu ` +
        '(or leave out --node to benchmark in headless Chromium)',
      false,
    );
  }
  if (o.node && o.browserArgs.length) {
    throw new UsageError('--browser-arg needs the browser: leave out --node', false);
  }
  if ((o.memory || o.vsPytorch || o.profile) && !o.preset) {
    throw new UsageError('--memory, --profile and --vs-pytorch need --preset', false);
  }
  if (o.rounds > 1 && !o.vsPytorch) {
    throw new UsageError('--rounds alternates ours with PyTorch: give --vs-pytorch too', false);
  }
  const { batch, steps, warmup } = o;
  return {
    request: {
      batch,
      steps,
      warmup,
      ...(o.sweep ? { sweep: o.cardinalities } : { preset: o.preset }),
      ...(o.kernels ? { kernels: o.kernels } : {}),
      ...(o.baseline ? {} : { baseline: false }),
      ...(o.threads ? { threads: o.threads } : {}),
      ...(o.memory ? { memory: o.memory } : {}),
      ...(o.profile ? { profile: true } : {}),
    },
    backend: o.backend,
    node: o.node,
    browserArgs: o.browserArgs,
    verbose: o.verbose,
    vsPytorch: o.vsPytorch,
    rounds: o.rounds,
  };
}

/**
 * In Node: this process's TF.js, wasm binaries loaded from node_modules; WebGPU through
 * dawn.node, installed before TF.js's WebGPU backend is imported (it registers only where
 * navigator.gpu exists then).
 */
async function benchInNode(
  options: BenchCliOptions,
  log: (line: string) => void,
): Promise<{ result: BenchResult & { runtime: string }; again: () => Promise<BenchResult> }> {
  if (options.backend === 'webgpu') {
    const { installNodeWebgpu } = await import('../src/engine/webgpu/nodeWebgpu.node.ts');
    const gpu = await installNodeWebgpu();
    if (!gpu.available) throw new Error(`no WebGPU in Node: ${gpu.reason}`);
    log(`WebGPU in Node (dawn.node): ${gpu.adapter}${gpu.software ? ' (software)' : ''}`);
  }
  // Imported here: TF.js takes a while to load, and the browser path does not need it.
  const { initBackend } = await import('../src/engine/setBackend');
  const { runBenchmark } = await import('../src/engine/bench');
  const wasmDir = fileURLToPath(
    new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
  );
  const init = await initBackend(options.backend, {
    wasmPaths: wasmDir,
    threads: options.request.threads,
  });
  const result = await runBenchmark(options.request, log);
  const again = async () => ({ ...init, ...(await runBenchmark(repeatRequest(options), log)) });
  return { result: { ...init, runtime: `node ${process.version}`, ...result }, again };
}

/** A later round of --rounds: the same timing, without the tfjs-layers baseline again. */
const repeatRequest = (options: BenchCliOptions): BenchRequest => ({
  ...options.request,
  baseline: false,
});

/** In headless Chromium: the app's worker, through window.cardinal.bench. */
async function benchInBrowser(
  options: BenchCliOptions,
  session: BrowserSession,
  log: (line: string) => void,
) {
  const page = await session.launch();
  await session.load();
  const runtime = await session.runtime();
  log(`opened the app in ${runtime} in ${session.browserSeconds.toFixed(1)} s`);
  const { request, backend } = options;
  log(
    `timing ${request.preset ?? `the cardinality sweep (C = ${request.sweep!.join(', ')})`}: ` +
      `batch ${request.batch}, ${request.warmup} warm-up + ${request.steps} timed step(s) on ` +
      `--backend ${backend}${request.preset ? ', then the tfjs-layers baseline' : ''}…`,
  );
  const measure = async (r: BenchRequest) => {
    const result = await Promise.race([
      session.crash,
      page
        .evaluate(({ b, r }) => window.cardinal!.bench(b, r), { b: backend, r })
        .catch((error: unknown) => {
          // Playwright gives "page.evaluate: Error: <message>" and the page's stack: the message.
          const text = errorMessage(error).replace(/^page\.evaluate: (Error: )?/, '');
          throw new Error(text.replace(/\n\s+at [^]*$/, ''));
        }),
    ]);
    const { backend: name, adapter, why, ...figures } = result;
    return { backend: name, adapter, why, runtime, ...figures };
  };
  return { result: await measure(request), again: () => measure(repeatRequest(options)) };
}

/**
 * Adds PyTorch's figures on as many threads as ours ran, and ours ÷ theirs (--vs-pytorch).
 * With --rounds N, ours (measured `again`) and PyTorch alternate N times and the median of
 * the N ratios is reported: this VM's vCPUs speed up and slow down by 1.5–2× within minutes,
 * so a single pair, its halves a minute apart, can compare two different machines.
 */
async function withPytorch(
  first: BenchResult,
  again: () => Promise<BenchResult>,
  options: BenchCliOptions,
  log: (l: string) => void,
) {
  const threads = first.threads ?? 1;
  const rounds: { ours: number; pytorch: number; ratio: number }[] = [];
  let pytorch: Awaited<ReturnType<typeof benchPytorch>> | undefined;
  for (let round = 0; round < options.rounds; round++) {
    const ours = Number((round === 0 ? first : await again()).imgPerSec);
    log(`timing the same network in PyTorch (CPU, ${threads} thread${threads === 1 ? '' : 's'})…`);
    pytorch = await benchPytorch(options.request, threads);
    if ('skipped' in pytorch) return { ...first, pytorch };
    const ratio = Number((ours / pytorch.imgPerSec).toFixed(3));
    rounds.push({ ours, pytorch: pytorch.imgPerSec, ratio });
    log(
      `${options.rounds > 1 ? `round ${round + 1}: ` : ''}ours ${ours} img/s vs PyTorch ` +
        `${pytorch.imgPerSec} img/s on ${threads} thread(s): ${(100 * ratio).toFixed(0)}%`,
    );
  }
  return {
    ...first,
    pytorch,
    vsPytorch: Number(median(rounds.map((r) => r.ratio)).toFixed(3)),
    vsPytorchIs:
      rounds.length > 1
        ? `the median over ${rounds.length} rounds of our img/s ÷ PyTorch img/s, timed one after the other`
        : 'our img/s ÷ PyTorch img/s',
    ...(rounds.length > 1 ? { rounds } : {}),
  };
}

export async function runCli(argv: string[], io: ScriptIo = processIo()): Promise<number> {
  let options: BenchCliOptions;
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n${error.showUsage ? `${USAGE}\n` : ''}`);
    return 2;
  }
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const started = performance.now();
  const print = async (measured: BenchResult, again: () => Promise<BenchResult>) => {
    const result = options.vsPytorch ? await withPytorch(measured, again, options, log) : measured;
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (/software fallback|swiftshader/i.test(result.adapter) && result.backend !== 'wasm') {
      log(`note: ${result.backend} ran on a software adapter (${result.adapter}), not a GPU`);
    }
    log(`wall ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  };
  if (options.node) {
    try {
      const { result, again } = await benchInNode(options, log);
      return await print(result, again);
    } catch (error) {
      log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return 1;
    }
  }
  const session = await BrowserSession.create({
    name: 'bench',
    log,
    browserArgs: options.browserArgs,
    verbose: options.verbose,
  });
  try {
    const { result, again } = await benchInBrowser(options, session, log);
    // One round: closed before PyTorch is timed, so no thread of ours runs beside it. More
    // rounds keep the page open between them; its worker is idle then (helper threads block
    // after 20 ms).
    if (options.rounds === 1) await session.close();
    return await print(result, again);
  } catch (error) {
    if (session.interrupted) return 130; // the session is closing everything; its doing
    log(`error: ${errorMessage(error)}`);
    return 1;
  } finally {
    await session.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const status = await runCli(process.argv.slice(2));
  // Exit explicitly: a library (vite's build, Playwright, TF.js) may leave a handle open.
  process.exit(status);
}
