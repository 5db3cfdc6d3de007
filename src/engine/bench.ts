// Training throughput: our engine's step (createTrainer, the one train step) against the same
// network in plain tfjs-layers (layersBaseline.ts), and the "cardinality tax" — what grouped
// convs cost at equal multiply-adds. Backend-agnostic: the Node CLI (scripts/bench.ts) runs it
// now, a page or worker can run it later. Figures only; nothing here asserts a speed.

import * as tf from '@tensorflow/tfjs';
import { analyze, trainingMemoryBytes } from '../spec/analyze';
import { PRESETS } from '../spec/presets';
import { presetRecipe } from '../spec/recipes';
import type { ArchSpec } from '../spec/types';
import { CIFAR10_STATS } from './augment';
import { defaultGroupedConvStrategy } from './groupedConv';
import { buildLayersBaseline, trainableParams } from './layersBaseline';
import { KERNEL_MODES, kernelMode, setKernelMode, type KernelMode } from './kernels';
import { countStep, type StepCounts } from './stepCounters';
import { measureTrainingMemory } from './memory';
import { memoryBudget, planMemory } from './preflight';
import { createTrainer, type Batch } from './train';
import { CONV_FILTER_GRAD } from './kernels/convFilterGrad';
import { GROUPED_CONV_FORWARD } from './kernels/groupedConvForward';
import { GROUPED_CONV_INPUT_GRAD } from './kernels/groupedConvInput';
import { shareTimes } from './kernels/lib/wasmThreads';

/** Our conv kernels' names (the same on webgpu and wasm; kernels/kernelConv.ts). */
const OUR_CONV_KERNELS = [GROUPED_CONV_FORWARD, GROUPED_CONV_INPUT_GRAD, CONV_FILTER_GRAD];
import { cardinalitySweep } from './cardinalitySweep';

export interface BenchOptions {
  batch: number;
  /** Timed steps; the figure is their median. */
  steps: number;
  /** Untimed steps first: allocation, shader compilation, XNNPACK set-up. */
  warmup: number;
}

/** Which kernels a bench times: TF.js's stock ones, ours (kernels/), or both in one run. */
export type KernelChoice = KernelMode | 'both';
export const KERNEL_CHOICES: readonly KernelChoice[] = [...KERNEL_MODES, 'both'];

export interface Throughput {
  msPerStep: number;
  imgPerSec: number;
  /** 6 × multiply-adds × images / time: forward 2·MACs, backward (dx and dw) 4·MACs. */
  gflopPerSec: number;
  /** Every timed step, in order, so a reader can see the spread. */
  stepsMs: number[];
}

export interface NetworkBench extends Throughput, StepCounts {
  params: number;
  /** Forward multiply-adds per image. */
  macs: number;
  /** The kernels this was measured with (kernels/index.ts). */
  kernels: KernelMode;
  /**
   * Every step's loss, warm-up included: the same network, batch and seed give the same
   * losses, so runs with other threads or kernels can be checked against each other.
   */
  losses: number[];
}

/** Random CIFAR-shaped pixels: throughput does not depend on the values. */
export function syntheticBatch(n: number, classes: number, seed = 1): Batch {
  const pixels = new Uint8Array(n * 3072);
  let s = seed >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    pixels[i] = s >>> 24;
  }
  return { pixels, labels: Uint8Array.from({ length: n }, (_, i) => i % classes), size: n };
}

export const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * Runs `step` warmup + steps times; each must return only once its result is on the host.
 * Every timed step is also counted (stepCounters.ts); the counts are the last step's, when
 * shaders are compiled and buffers pooled, as in a long run.
 */
async function timeSteps(
  step: () => Promise<unknown>,
  opts: BenchOptions,
): Promise<{ times: number[]; counts: StepCounts }> {
  for (let i = 0; i < opts.warmup; i++) await step();
  const times: number[] = [];
  let counts: StepCounts | undefined;
  for (let i = 0; i < opts.steps; i++) {
    const start = performance.now();
    const counted = await countStep(step);
    times.push(performance.now() - start);
    counts = counted.counts;
  }
  return { times, counts: counts! };
}

function throughput(times: number[], batch: number, macs: number): Throughput {
  const ms = median(times);
  return {
    msPerStep: round(ms, 1),
    imgPerSec: round((1000 * batch) / ms, 2),
    gflopPerSec: round((6 * macs * batch) / (ms * 1e6), 3),
    stepsMs: times.map((t) => round(t, 1)),
  };
}

/** What every bench of our engine trains: the 'quick' recipe at `batch`, on a synthetic batch. */
function benchTrainer(spec: ArchSpec, batch: number) {
  const recipe = { ...presetRecipe('quick')!, batchSize: batch };
  const trainer = createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 1e6 });
  return { trainer, batch: syntheticBatch(batch, spec.classes) };
}

/**
 * Our engine: createTrainer's step on a fixed batch, SGD as the 'quick' recipe, no
 * augmentation, with the kernels kernelMode() names now (the trainer reads it when built).
 */
export async function benchEngine(spec: ArchSpec, opts: BenchOptions): Promise<NetworkBench> {
  const { params, macs } = analyze(spec).totals;
  const { trainer, batch } = benchTrainer(spec, opts.batch);
  const losses: number[] = [];
  try {
    const step = async () => losses.push((await trainer.step(batch, 0, losses.length)).loss);
    const { times, counts } = await timeSteps(step, opts);
    return {
      params,
      macs,
      kernels: kernelMode(),
      losses,
      ...throughput(times, opts.batch, macs),
      ...counts,
    };
  } finally {
    trainer.dispose();
  }
}

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/**
 * Where a step's time goes: after the timed steps, one more step under tf.profile, its kernel
 * times summed per kernel name, slowest first. A kernel that runs others (wasm's conv
 * gradients are forward Conv2Ds, wasmKernels.ts) includes their time, and they are listed too,
 * so the rows overlap; `convMs` counts each conv once (the Conv2D rows' own time, plus the
 * gradient kernels that are not made of Conv2Ds on this backend, plus our conv kernels).
 */
export async function profileEngine(spec: ArchSpec, opts: BenchOptions) {
  const timed = await benchEngine(spec, opts);
  const { trainer, batch } = benchTrainer(spec, opts.batch);
  try {
    for (let i = 0; i < Math.max(1, opts.warmup); i++) await trainer.step(batch, 0, i);
    Object.assign(shareTimes, { ownMs: 0, waitMs: 0, calls: 0, items: 0, helperItems: 0 });
    const started = performance.now();
    const info = await tf.profile(async () => {
      await trainer.step(batch, 0, opts.warmup + 1);
    });
    const profiledMs = performance.now() - started;
    const byName = new Map<string, KernelTime>();
    for (const k of info.kernels) {
      const row = byName.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
      row.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      row.calls++;
      byName.set(k.name, row);
    }
    const rows = [...byName.values()]
      .map((r) => ({ ...r, ms: round(r.ms, 1) }))
      .sort((a, b) => b.ms - a.ms);
    const msOf = (name: string) => byName.get(name)?.ms ?? 0;
    // TF.js's: on wasm its conv gradients run Conv2Ds inside (already in Conv2D's row).
    const nested = tf.getBackend() === 'wasm';
    const stockMs = nested
      ? msOf('Conv2D')
      : msOf('Conv2D') + msOf('Conv2DBackpropFilter') + msOf('Conv2DBackpropInput');
    const convMs = stockMs + OUR_CONV_KERNELS.reduce((sum, name) => sum + msOf(name), 0);
    return {
      ...timed,
      profile: {
        profiledMs: round(profiledMs, 1),
        convMs: round(convMs, 1),
        // WASM with helper threads: our programs' time on this thread, the wait for the
        // helpers' last chunks, and the share of the items the helpers ran (near 1 − 1/threads
        // when they keep up; low when they wake late or run slower).
        ...(shareTimes.calls
          ? {
              shares: {
                calls: shareTimes.calls,
                ownMs: round(shareTimes.ownMs, 1),
                waitMs: round(shareTimes.waitMs, 1),
                helperShare: round(shareTimes.helperItems / shareTimes.items, 3),
              },
            }
          : {}),
        convShare: round(convMs / profiledMs, 3),
        convGflopPerSec: round((6 * timed.macs * opts.batch) / (convMs * 1e6), 3),
        kernels: rows,
        note:
          'one step under tf.profile (slower than a timed step); rows that run other kernels ' +
          'include their time; convGflopPerSec: 6 × MACs × batch ÷ the conv kernels’ time',
      },
    };
  } finally {
    trainer.dispose();
  }
}

/** Stock ÷ ours for the counts and the time: > 1 where our kernels do less. */
function kernelRatios(stock: NetworkBench, ours: NetworkBench) {
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || b === 0 ? null : round(a / b, 3);
  return {
    kernelsPerStep: ratio(stock.kernelsPerStep, ours.kernelsPerStep),
    dispatchesPerStep: ratio(stock.dispatchesPerStep, ours.dispatchesPerStep),
    uploadsPerStep: ratio(stock.uploadsPerStep, ours.uploadsPerStep),
    readbacksPerStep: ratio(stock.readbacksPerStep, ours.readbacksPerStep),
    peakBytes: ratio(stock.peakBytes, ours.peakBytes),
    msPerStep: ratio(stock.msPerStep, ours.msPerStep),
  };
}

/**
 * benchEngine with the kernels asked for. 'both': stock first, then ours, in this one process;
 * our figures at the top level, stock's in `stock` (same field names) and `ratios` (stock ÷
 * ours). The kernel mode is restored afterwards.
 */
export async function benchKernels(spec: ArchSpec, opts: BenchOptions, kernels: KernelChoice) {
  const before = kernelMode();
  const run = async (mode: KernelMode) => {
    setKernelMode(mode);
    return benchEngine(spec, opts);
  };
  try {
    if (kernels !== 'both') return await run(kernels);
    const stock = await run('stock');
    const ours = await run('cardinal');
    return {
      ...ours,
      stock,
      ratios: kernelRatios(stock, ours),
      ratiosAre: 'stock ÷ cardinal (> 1: our kernels do less or take less time)',
    };
  } finally {
    setKernelMode(before);
  }
}

export type BaselineBench =
  | (Omit<NetworkBench, 'losses'> & { kind: 'tfjs-layers'; notes: string[] })
  | { kind: 'tfjs-layers'; skipped: string };

/**
 * Above this rough estimate (trainingMemoryBytes, SGD with momentum) the baseline is skipped.
 * Measured on wasm: the real peak was ≈3× the estimate (ResNeXt-29 8×64d, batch 2: 0.6 GB
 * estimated, 2 GB of tensors), and the dense translation of a ResNeXt can be 5× larger than
 * the network itself; past the wasm heap's end XNNPACK fails and the backend is left broken.
 */
const BASELINE_MEMORY_LIMIT = 1e9;

/** The plain tfjs-layers network on the same synthetic batch, already normalised on device. */
export async function benchBaseline(spec: ArchSpec, opts: BenchOptions): Promise<BaselineBench> {
  const computed: ArchSpec = {
    ...spec,
    stages: spec.stages.map((s) => ({ ...s, cardinality: 1 })),
  };
  const estimate = trainingMemoryBytes(computed, opts.batch, 1);
  if (estimate > BASELINE_MEMORY_LIMIT) {
    return {
      kind: 'tfjs-layers',
      skipped:
        `its dense-conv translation would need ≈${(estimate / 1e9).toFixed(1)} GB to train ` +
        `(estimate; limit ${BASELINE_MEMORY_LIMIT / 1e9} GB)`,
    };
  }
  const { model, notes } = buildLayersBaseline(spec, opts.batch);
  const macs = analyze(computed).totals.macs;
  const params = trainableParams(model);
  const data = syntheticBatch(opts.batch, spec.classes);
  const [x, y] = tf.tidy(() => {
    const pixels = tf.tensor4d(Float32Array.from(data.pixels), [opts.batch, 3, 32, 32]);
    const nhwc = tf.transpose(pixels, [0, 2, 3, 1]).div(255);
    const { mean, std } = CIFAR10_STATS;
    const normalised = nhwc.sub(tf.tensor1d([...mean])).div(tf.tensor1d([...std]));
    return [normalised, tf.oneHot(Array.from(data.labels), spec.classes).toFloat()];
  });
  let times: number[];
  let counts: StepCounts;
  try {
    // trainOnBatch reads the loss back to the host, as our step does.
    ({ times, counts } = await timeSteps(() => model.trainOnBatch(x, y), opts));
  } catch (error) {
    return { kind: 'tfjs-layers', skipped: `failed while training: ${String(error)}` };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
  notes.push(
    'input normalised once on the device (our step converts CIFAR bytes each step)',
    'no weight decay (our step uses the quick recipe: SGD 0.05, momentum 0.9, wd 5e-4)',
  );
  return {
    kind: 'tfjs-layers',
    params,
    macs,
    kernels: 'stock',
    ...throughput(times, opts.batch, macs),
    ...counts,
    notes,
  };
}

/**
 * Our engine (with the kernels asked for) and, unless left out, the baseline in one run;
 * ratio = engine img/s ÷ baseline img/s.
 */
export async function benchNetwork(
  spec: ArchSpec,
  opts: BenchOptions,
  kernels: KernelChoice = kernelMode(),
  withBaseline = true,
) {
  const engine = await benchKernels(spec, opts, kernels);
  const baseline: BaselineBench = withBaseline
    ? await benchBaseline(spec, opts)
    : { kind: 'tfjs-layers', skipped: 'left out (--no-baseline)' };
  const ratio = 'skipped' in baseline ? null : round(engine.imgPerSec / baseline.imgPerSec, 3);
  return {
    ...engine,
    groupedConv: defaultGroupedConvStrategy(),
    baseline,
    ratio,
    ratioIs: 'engine img/s ÷ baseline img/s (> 1: our engine is faster)',
  };
}

/** One benchmark as the CLI asks for it: a preset against its baseline, or the sweep. */
export interface BenchRequest extends BenchOptions {
  preset?: string;
  /** Cardinalities of the sweep (instead of a preset). */
  sweep?: number[];
  /** Stock TF.js kernels, ours, or both in one run; default kernelMode(), the sweep 'both'. */
  kernels?: KernelChoice;
  /** false: skip the tfjs-layers baseline (slow on a software GPU). Default true. */
  baseline?: boolean;
  /** WASM threads (setBackend.ts's BackendOptions.threads); read when the backend starts. */
  threads?: number;
  /**
   * Instead of timing: the preset's memory per training step at this batch (memory.ts), as
   * the preflight plans it ('planned'), or the plain step without checkpointing ('plain').
   */
  memory?: 'planned' | 'plain';
  /** Instead of the baseline: one more step under tf.profile, time per kernel (profileEngine). */
  profile?: boolean;
}

/** Runs a BenchRequest on the current backend: the same code in Node and in the worker. */
export async function runBenchmark(
  request: BenchRequest,
  progress?: (line: string) => void,
): Promise<object> {
  const opts: BenchOptions = { batch: request.batch, steps: request.steps, warmup: request.warmup };
  if (request.sweep) {
    const kernels = request.kernels ?? 'both';
    const sweep = await cardinalitySweep(request.sweep, opts, kernels, undefined, progress);
    return { ...opts, sweep: 'cardinality', ...sweep };
  }
  const preset = request.preset ?? '';
  if (!Object.hasOwn(PRESETS, preset)) throw new Error(`unknown preset "${preset}"`);
  const spec = PRESETS[preset].spec;
  if (request.memory) {
    const recipe = { ...presetRecipe('quick')!, batchSize: request.batch };
    const plan = planMemory(spec, recipe, memoryBudget());
    const measured = await measureTrainingMemory(spec, request.batch, request.steps, {
      recompute: request.memory === 'planned' && plan.recompute,
      microBatch: request.memory === 'planned' ? plan.microBatch : request.batch,
    });
    return { batch: request.batch, preset, plan, measured };
  }
  if (request.profile) {
    return {
      ...opts,
      preset,
      groupedConv: defaultGroupedConvStrategy(),
      ...(await profileEngine(spec, opts)),
    };
  }
  const kernels = request.kernels ?? kernelMode();
  const network = await benchNetwork(spec, opts, kernels, request.baseline ?? true);
  return { ...opts, preset, ...network };
}
