// Training throughput: our engine's step (createTrainer, the one train step) against the same
// network in plain tfjs-layers (layersBaseline.ts), and the "cardinality tax" — what grouped
// convs cost at equal multiply-adds. Backend-agnostic: the Node CLI (scripts/bench.ts) runs it
// now, a page or worker can run it later. Figures only; nothing here asserts a speed.

import * as tf from '@tensorflow/tfjs';
import { analyze, trainingMemoryBytes } from '../spec/analyze';
import { solveWidth } from '../spec/complexity';
import { PRESETS } from '../spec/presets';
import { presetRecipe } from '../spec/recipes';
import type { ArchSpec } from '../spec/types';
import { CIFAR10_STATS } from './augment';
import { defaultGroupedConvStrategy } from './groupedConv';
import { buildLayersBaseline, trainableParams } from './layersBaseline';
import { measureTrainingMemory } from './memory';
import { memoryBudget, planMemory } from './preflight';
import { createTrainer, type Batch } from './train';

export interface BenchOptions {
  batch: number;
  /** Timed steps; the figure is their median. */
  steps: number;
  /** Untimed steps first: allocation, shader compilation, XNNPACK set-up. */
  warmup: number;
}

export interface Throughput {
  msPerStep: number;
  imgPerSec: number;
  /** 6 × multiply-adds × images / time: forward 2·MACs, backward (dx and dw) 4·MACs. */
  gflopPerSec: number;
  /** Every timed step, in order, so a reader can see the spread. */
  stepsMs: number[];
}

export interface NetworkBench extends Throughput {
  params: number;
  /** Forward multiply-adds per image. */
  macs: number;
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

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Runs `step` warmup + steps times; each must return only once its result is on the host. */
async function timeSteps(step: () => Promise<unknown>, opts: BenchOptions): Promise<number[]> {
  for (let i = 0; i < opts.warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < opts.steps; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  return times;
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

/** Our engine: createTrainer's step on a fixed batch, SGD as the 'quick' recipe, no augmentation. */
export async function benchEngine(spec: ArchSpec, opts: BenchOptions): Promise<NetworkBench> {
  const { params, macs } = analyze(spec).totals;
  const recipe = { ...presetRecipe('quick')!, batchSize: opts.batch };
  const trainer = createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 1e6 });
  const batch = syntheticBatch(opts.batch, spec.classes);
  let step = 0;
  try {
    const times = await timeSteps(() => trainer.step(batch, 0, step++), opts);
    return { params, macs, ...throughput(times, opts.batch, macs) };
  } finally {
    trainer.dispose();
  }
}

export type BaselineBench =
  | (NetworkBench & { kind: 'tfjs-layers'; notes: string[] })
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
  try {
    // trainOnBatch reads the loss back to the host, as our step does.
    times = await timeSteps(() => model.trainOnBatch(x, y), opts);
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
  return { kind: 'tfjs-layers', params, macs, ...throughput(times, opts.batch, macs), notes };
}

/** Our engine and the baseline in one run; ratio = engine img/s ÷ baseline img/s. */
export async function benchNetwork(spec: ArchSpec, opts: BenchOptions) {
  const engine = await benchEngine(spec, opts);
  const baseline = await benchBaseline(spec, opts);
  const ratio = 'skipped' in baseline ? null : round(engine.imgPerSec / baseline.imgPerSec, 3);
  return {
    ...engine,
    groupedConv: defaultGroupedConvStrategy(),
    baseline,
    ratio,
    ratioIs: 'engine img/s ÷ baseline img/s (> 1: our engine is faster)',
  };
}

/**
 * The sweep's template: a CIFAR stem (64 channels) and one stage of 3 ResNeXt bottlenecks,
 * 256 channels out, stride 2 (16×16 maps), template width 64 at C = 1 — conv2 of the paper's
 * Table 2 (1×64d → 8×14d → 32×4d), on an input small enough for software backends.
 */
export const SWEEP_TEMPLATE: ArchSpec = {
  stem: { kind: 'cifar', channels: 64, dropout: 0 },
  stages: [
    {
      blocks: 3,
      block: 'bottleneck',
      outChannels: 256,
      bottleneckWidth: 64,
      cardinality: 1,
      stride: 2,
      shortcut: 'B',
    },
  ],
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
};

export interface SweepRow extends NetworkBench {
  cardinality: number;
  /** Per-path width d and the bottleneck width C·d solveWidth chose. */
  d: number;
  width: number;
  /** This C's ms/step ÷ the first C's: the cardinality tax at equal complexity. */
  relativeTime: number;
}

/** Times the template at each cardinality, widths from solveWidth (equal parameters/MACs). */
export async function cardinalitySweep(
  cardinalities: number[],
  opts: BenchOptions,
  template: ArchSpec = SWEEP_TEMPLATE,
) {
  const rows: SweepRow[] = [];
  for (const cardinality of cardinalities) {
    const { spec, perStage } = solveWidth(template, cardinality);
    const bench = await benchEngine(spec, opts);
    const { d, width } = perStage[0];
    const relativeTime = rows.length ? round(bench.msPerStep / rows[0].msPerStep, 3) : 1;
    rows.push({ cardinality, d, width, ...bench, relativeTime });
  }
  return { template, groupedConv: defaultGroupedConvStrategy(), rows };
}

/** One benchmark as the CLI asks for it: a preset against its baseline, or the sweep. */
export interface BenchRequest extends BenchOptions {
  preset?: string;
  /** Cardinalities of the sweep (instead of a preset). */
  sweep?: number[];
  /** WASM threads (setBackend.ts's BackendOptions.threads); read when the backend starts. */
  threads?: number;
  /**
   * Instead of timing: the preset's memory per training step at this batch (memory.ts), as
   * the preflight plans it ('planned'), or the plain step without checkpointing ('plain').
   */
  memory?: 'planned' | 'plain';
}

/** Runs a BenchRequest on the current backend: the same code in Node and in the worker. */
export async function runBenchmark(request: BenchRequest): Promise<object> {
  const opts: BenchOptions = { batch: request.batch, steps: request.steps, warmup: request.warmup };
  if (request.sweep) {
    return { ...opts, sweep: 'cardinality', ...(await cardinalitySweep(request.sweep, opts)) };
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
  return { ...opts, preset, ...(await benchNetwork(spec, opts)) };
}
