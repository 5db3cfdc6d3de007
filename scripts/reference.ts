// npx tsx scripts/reference.ts [--demos degradation,cardinality,…] [--data ../shared/data]
//   [--work DIR] [--out public/reference] [--parallel 2] [--threads 1] [--python python3]
// Trains every arm of each Learn demo's quick size in PyTorch and writes
// public/reference/<demo>.json, which the Learn panel draws under the user's runs. Each arm is
// the export's own model.py and train.py (src/engine/export), run with --from-scratch (the
// page's init: torchvision's), the demo's exact spec and recipe (seed included) and the page's
// image counts (the first N train images, testLimitFor(N) test images). A demo's file is
// written as soon as its last arm finishes, so a long run keeps what it has done; an arm whose
// folder under --work already holds a finished run is not trained again (rerun after a stop).
// Needs the CIFAR-10 binary archive in --data, and torch for --python.

import { spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pytorchModelSource } from '../src/engine/export/pytorchModel';
import { trainScriptSource } from '../src/engine/export/trainScript';
import { statsFor } from '../src/engine/export/weights';
import { DEMOS, type Demo, type DemoRun } from '../src/spec/demos';
import { referenceHash, type ReferenceFile } from '../src/spec/reference';
import { testLimitFor } from '../src/spec/runSize';
import { scanArgs, unknownArgument, UsageError, wholeNumber } from './lib/cli';
import { armFolder, referenceArm, trainArgs } from './lib/referenceRuns';

const ORDER = ['degradation', 'cardinality', 'blocks', 'shortcuts', 'augmentation'];

interface Options {
  demos: Demo[];
  data: string;
  work: string;
  out: string;
  parallel: number;
  threads: number;
  python: string;
}

function parse(argv: string[]): Options {
  const o: Options = {
    demos: ORDER.map((id) => DEMOS.find((d) => d.id === id)!),
    data: '../shared/data',
    work: 'reference-work',
    out: 'public/reference',
    parallel: 2,
    threads: 1,
    python: 'python3',
  };
  scanArgs(argv, (arg, value) => {
    if (arg === '--demos') {
      o.demos = value()
        .split(',')
        .map((id) => {
          const demo = DEMOS.find((d) => d.id === id.trim());
          if (!demo) throw new UsageError(`no demo ${id}; there are ${ORDER.join(', ')}`);
          return demo;
        });
    } else if (arg === '--data') o.data = value();
    else if (arg === '--work') o.work = value();
    else if (arg === '--out') o.out = value();
    else if (arg === '--python') o.python = value();
    else if (arg === '--parallel') o.parallel = wholeNumber(value(), arg, 1, 64);
    else if (arg === '--threads') o.threads = wholeNumber(value(), arg, 1, 256);
    else throw unknownArgument(arg);
  });
  return o;
}

const CARDINAL_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Writes model.py and train.py for a run into its folder, as the export bundle would. */
function writeScripts(run: DemoRun, folder: string, dataset: 'cifar10'): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'model.py'),
    pytorchModelSource(run.spec, { cardinalVersion: CARDINAL_VERSION }),
  );
  const train = trainScriptSource({
    spec: run.spec,
    recipe: run.recipe,
    dataset,
    stats: statsFor(dataset),
    epoch: 0,
    cardinalVersion: CARDINAL_VERSION,
  });
  writeFileSync(join(folder, 'train.py'), train);
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

interface ArmResult {
  started: number;
  finished: number;
}

/** Trains one arm unless its folder already holds a finished run. */
async function trainArm(o: Options, run: DemoRun, folder: string): Promise<ArmResult> {
  const images = run.limitTrain || 50_000;
  const done = () => {
    try {
      referenceArm(run, read(join(folder, 'metrics.csv')), read(join(folder, 'steps.csv')), images);
      return true;
    } catch {
      return false;
    }
  };
  if (done()) {
    log(`${run.label}: already trained in ${folder}`);
    const t = Date.now();
    return { started: t, finished: t };
  }
  // A stopped run leaves partial CSVs that train.py would append to: start it afresh.
  for (const f of ['metrics.csv', 'steps.csv']) rmSync(join(folder, f), { force: true });
  writeScripts(run, folder, 'cifar10');
  const started = Date.now();
  log(`${run.label}: training (${folder})`);
  const logFile = createWriteStream(join(folder, 'train.log'));
  const threads = String(o.threads);
  const child = spawn(
    o.python,
    [join(folder, 'train.py'), ...trainArgs(run, resolve(o.data), folder)],
    {
      env: { ...process.env, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(logFile);
  child.stderr.pipe(logFile);
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(`${run.label}: ${line}`);
  });
  const code = await new Promise<number | null>((res) => child.on('close', res));
  if (code !== 0) throw new Error(`${run.label}: train.py exited with ${code}; see ${folder}`);
  return { started, finished: Date.now() };
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function torchVersion(python: string): string {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new UsageError(`${python} cannot import torch:\n${r.stderr}`, false);
  return r.stdout.trim();
}

async function runDemo(o: Options, demo: Demo, torch: string): Promise<void> {
  const plan = demo.sizes.quick;
  const folders = plan.runs.map((r, i) => join(o.work, demo.id, armFolder(i, r.label)));
  const results: ArmResult[] = new Array(plan.runs.length);
  let next = 0;
  const worker = async () => {
    while (next < plan.runs.length) {
      const i = next++;
      results[i] = await trainArm(o, plan.runs[i], folders[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, plan.runs.length) }, worker));
  const first = plan.runs[0];
  const arms = plan.runs.map((run, i) =>
    referenceArm(
      run,
      read(join(folders[i], 'metrics.csv')),
      read(join(folders[i], 'steps.csv')),
      run.limitTrain || 50_000,
    ),
  );
  const wall =
    Math.max(...results.map((r) => r.finished)) - Math.min(...results.map((r) => r.started));
  const file: ReferenceFile = {
    demo: demo.id,
    size: 'quick',
    hash: referenceHash(plan),
    dataset: plan.dataset,
    trainImages: first.limitTrain,
    testImages: testLimitFor(first.limitTrain),
    seed: first.recipe.seed,
    torch,
    device: `CPU (${cpus()[0]?.model.trim() ?? 'unknown'}; ${o.parallel} arm(s) at a time, ${o.threads} thread(s) each)`,
    date: new Date().toISOString(),
    wallSeconds: Math.round(wall / 1000),
    method:
      'scripts/reference.ts: each arm is the export’s model.py + train.py, run as ' +
      '`train.py --from-scratch --log-steps --limit-train N --limit-test M` (torchvision init, ' +
      'the demo’s exact spec and recipe, the page’s image counts). Augmentation and data order ' +
      'use torch’s random numbers: the same distributions as the page, not the same draws.',
    arms,
  };
  mkdirSync(o.out, { recursive: true });
  const path = join(o.out, `${demo.id}.json`);
  writeFileSync(path, JSON.stringify(file) + '\n');
  log(`${demo.id}: wrote ${path} (${file.wallSeconds} s)`);
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const torch = torchVersion(o.python);
  log(`torch ${torch}; ${o.demos.map((d) => d.id).join(', ')}; ${o.parallel}×${o.threads} threads`);
  for (const demo of o.demos) await runDemo(o, demo, torch);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
