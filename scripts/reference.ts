// npx tsx scripts/reference.ts [--demos degradation,cardinality,…] [--data ../shared/data]
//   [--work DIR] [--out public/reference] [--parallel 2] [--threads 1] [--python python3]
//   [--max-busy N --busy-root DIR]
// Trains every arm of each Learn demo's quick size in PyTorch and writes
// public/reference/<demo>.json, which the Learn panel draws under the user's runs. Each arm is
// the export's own model.py and train.py (src/engine/export), run with --from-scratch (the
// page's init: torchvision's), the demo's exact spec and recipe (seed included) and the page's
// image counts (the first N train images, testLimitFor(N) test images). A demo's file is
// written as soon as its last arm finishes, so a long run keeps what it has done; an arm whose
// folder under --work already holds a finished run is not trained again (rerun after a stop).
// Arms of all the demos form one queue, --parallel at a time; --max-busy N holds an arm back
// while N train.py processes already run under --busy-root (another run of this script, say).
// Needs the CIFAR-10 binary archive in --data, and torch for --python.

import { spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
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
  /** Start an arm only while fewer than this many arms train under busyRoot (0 = no cap). */
  maxBusy: number;
  busyRoot: string;
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
    maxBusy: 0,
    busyRoot: '',
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
    else if (arg === '--max-busy') o.maxBusy = wholeNumber(value(), arg, 0, 64);
    else if (arg === '--busy-root') o.busyRoot = value();
    else throw unknownArgument(arg);
  });
  o.busyRoot ||= resolve(o.work);
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

/** Python processes training reference arms under `root` (this or another run of the script). */
function runningArms(root: string): number {
  let count = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('train.py') && cmd.includes(root)) count++;
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Arms this script has just spawned, before their command line shows train.py in /proc. */
let starting = 0;

/** Whether an arm's folder holds a finished run. */
function finished(run: DemoRun, folder: string): boolean {
  try {
    armFromFolder(run, folder);
    return true;
  } catch {
    return false;
  }
}

const armFromFolder = (run: DemoRun, folder: string) =>
  referenceArm(
    run,
    read(join(folder, 'metrics.csv')),
    read(join(folder, 'steps.csv')),
    run.limitTrain || 50_000,
  );

/** Trains one arm unless its folder already holds a finished run. */
async function trainArm(o: Options, run: DemoRun, folder: string): Promise<void> {
  if (finished(run, folder)) {
    log(`${run.label}: already trained in ${folder}`);
    return;
  }
  // Other runs of the script (or a previous one) may share the machine: stay within --max-busy.
  while (o.maxBusy > 0 && runningArms(o.busyRoot) + starting >= o.maxBusy) await pause(15_000);
  starting++;
  setTimeout(() => starting--, 10_000);
  // A stopped run leaves partial CSVs that train.py would append to: start it afresh.
  mkdirSync(folder, { recursive: true });
  for (const f of ['metrics.csv', 'steps.csv']) rmSync(join(folder, f), { force: true });
  writeScripts(run, folder, 'cifar10');
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

interface Task {
  demo: Demo;
  run: DemoRun;
  folder: string;
}

const tasksOf = (o: Options, demo: Demo): Task[] =>
  demo.sizes.quick.runs.map((run, i) => ({
    demo,
    run,
    folder: join(o.work, demo.id, armFolder(i, run.label)),
  }));

/** A demo's reference file from its finished arms' folders. */
function writeReference(o: Options, demo: Demo, tasks: Task[], torch: string): void {
  const plan = demo.sizes.quick;
  const first = plan.runs[0];
  const arms = tasks.map((t) => armFromFolder(t.run, t.folder));
  // train.py is written as an arm starts and metrics.csv last as it ends: the arms' times, also
  // for arms trained by an earlier run of the script.
  const began = Math.min(...tasks.map((t) => statSync(join(t.folder, 'train.py')).mtimeMs));
  const ended = Math.max(...tasks.map((t) => statSync(join(t.folder, 'metrics.csv')).mtimeMs));
  const file: ReferenceFile = {
    demo: demo.id,
    size: 'quick',
    hash: referenceHash(plan),
    dataset: plan.dataset,
    trainImages: first.limitTrain,
    testImages: testLimitFor(first.limitTrain),
    seed: first.recipe.seed,
    torch,
    device: `CPU (${cpus()[0]?.model.trim() ?? 'unknown'}, ${cpus().length} cores)`,
    date: new Date(ended).toISOString(),
    wallSeconds: Math.round((ended - began) / 1000),
    method:
      'scripts/reference.ts: each arm is the export’s model.py + train.py, run as ' +
      '`train.py --from-scratch --log-steps --limit-train N --limit-test M` (torchvision init, ' +
      'the demo’s exact spec and recipe, the page’s image counts), on a CPU shared with other ' +
      `work, ${o.parallel} arm(s) at a time with ${o.threads} thread(s) each (times are not ` +
      'benchmarks). Augmentation and data order use torch’s random numbers: the same ' +
      'distributions as the page, not the same draws.',
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
  // One queue of arms across the demos, in order, so no slot idles while a demo's last arm
  // finishes; each demo's file is written as soon as its own arms are done.
  const byDemo = new Map(o.demos.map((d) => [d, tasksOf(o, d)]));
  const queue = [...byDemo.values()].flat();
  const left = new Map(o.demos.map((d) => [d, byDemo.get(d)!.length]));
  const worker = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      await trainArm(o, task.run, task.folder);
      const remaining = left.get(task.demo)! - 1;
      left.set(task.demo, remaining);
      if (remaining === 0) writeReference(o, task.demo, byDemo.get(task.demo)!, torch);
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
