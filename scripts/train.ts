// npm run train -- --preset <name | spec.json> --recipe <name | recipe.json> --dataset cifar10|cifar100
//   [--epochs N] [--batch N] [--seed N] [--limit-train N] [--limit-test N]
//   [--backend auto|webgpu|webgl|wasm|cpu] [--data-dir public/data] [--browser-arg FLAG]…
//   [--trace DIR [--trace-steps]] [--verbose] [--json]
// Trains in headless Chromium with the app's own worker code (src/worker/run.ts): builds the
// app into a temporary folder, serves it and the data folder on 127.0.0.1, opens it, caches
// the dataset in the page (window.cardinal, src/worker/automation.ts) and runs. stdout: one
// line per epoch and a summary (JSON lines with --json); stderr: setup and progress.
// Ctrl-C stops the run after the current step (and a summary is printed); a second one quits.
// Exit status: 0 trained, 1 failed (no data, backend, divergence, browser), 2 bad usage,
// 130 interrupted.
// Options: lib/trainOptions.ts; what it prints: lib/trainReport.ts; the browser: lib/session.ts.

import { writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { DATASETS } from '../src/data/cifar';
import type { DataProgress } from '../src/data/progress';
import type { Manifest } from '../src/data/manifest';
import { analyze } from '../src/spec/index';
import type { RunConfig, WorkerEvent } from '../src/worker/protocol';
import { errorMessage, processIo, secondsSince, UsageError, type ScriptIo } from './lib/cli';
import { readManifest } from './lib/dataset-dir';
import { createTraceCollector, writeTraceDir, type TraceEvent } from './lib/trace';
import { createProgressBar } from './lib/progress-bar';
import { BrowserSession, RunFailure } from './lib/session';
import { DEFAULT_DATA_DIR, parseArgs, TRAIN_USAGE, type TrainOptions } from './lib/trainOptions';
import {
  epochLine,
  epochRecord,
  progressLine,
  readyLines,
  runErrorMessage,
  splitSizes,
  summaryLine,
  summaryRecord,
  type EpochRecord,
  type Progress,
  type Ready,
} from './lib/trainReport';

export { parseArgs, UsageError, type TrainOptions };
export type TrainIo = ScriptIo;

type Final = Extract<WorkerEvent, { type: 'done' | 'error' }>;

export async function runCli(argv: string[], io: TrainIo = processIo()): Promise<number> {
  let options: TrainOptions;
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.stdout.write(`${TRAIN_USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n${error.showUsage ? `${TRAIN_USAGE}\n` : ''}`);
    return 2;
  }
  const { json, dataset, recipeValue: recipe } = options;
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const emit = (record: object, text: string) =>
    io.stdout.write(json ? `${JSON.stringify(record)}\n` : `${text}\n`);
  const fail = (code: string, message: string) => {
    if (json) io.stdout.write(`${JSON.stringify({ type: 'error', code, message })}\n`);
    log(`error (${code}): ${message}`);
    return 1;
  };
  for (const note of options.notes) log(`note: ${note}`);

  // The data folder first: no point building anything without it.
  const dataDir = resolve(options.dataDir);
  const title = DATASETS[dataset].title;
  let manifest: Manifest;
  try {
    manifest = await readManifest(join(dataDir, dataset));
    if (manifest.dataset !== dataset) throw new Error(`it describes ${manifest.dataset}`);
  } catch (error) {
    const here = relative(process.cwd(), join(dataDir, dataset));
    const where = here && !here.startsWith('..') ? here : join(dataDir, dataset);
    const out = dataDir === DEFAULT_DATA_DIR ? '' : ` --out ${options.dataDir}`;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return fail(
      'no-data',
      `${missing ? `${title} is not in ${where}/ (no manifest.json)` : `${where}/manifest.json is unusable: ${(error as Error).message}`}. ` +
        `Put it there with \`npm run data -- import <path/to/${DATASETS[dataset].archiveName}>${out}\` ` +
        `or \`npm run data -- fetch ${dataset}${out}\`.`,
    );
  }
  const sizes = splitSizes(manifest, options);
  const params = analyze(options.spec).totals.params;

  const started = performance.now();
  const session = await BrowserSession.create({
    name: 'train',
    log,
    dataDir,
    browserArgs: options.browserArgs,
    verbose: options.verbose,
  });
  try {
    const page = await session.launch();
    const { crash } = session;

    // Events from the page: data progress, then the worker's events.
    const bar = createProgressBar(`caching ${title} in the browser`, io.stderr);
    await page.exposeFunction('__cardinalData', (p: DataProgress) =>
      bar.update(p.loadedBytes, p.totalBytes),
    );
    let ready: Ready | null = null;
    let last: Progress | null = null;
    let lastEpoch: EpochRecord | null = null;
    let trainSeconds = 0;
    let finished: (event: Final) => void = () => {};
    const final = new Promise<Final>((done) => (finished = done));
    let lastTenth = -1;
    const trace = options.traceDir ? createTraceCollector() : null;
    const onEvent = (event: WorkerEvent | TraceEvent) => {
      switch (event.type) {
        case 'trace-start':
        case 'trace-step':
        case 'trace-weights':
          trace?.onEvent(event as TraceEvent);
          return;
        case 'ready':
          ready = event;
          for (const line of readyLines(event)) log(line);
          return;
        case 'memory-plan': {
          // The preflight's plan; with --json also a record, so a script sees micro-batching.
          const { plan } = event;
          const gb = (b: number) => (b / 1e9).toFixed(2);
          log(
            `memory: batch ${plan.batch}` +
              (plan.microBatch < plan.batch ? ` as micro-batches of ${plan.microBatch}` : '') +
              `${plan.recompute ? ', blocks recomputed' : ''}; needs ≈ ${gb(plan.needBytes)} GB` +
              ` (${plan.budget.source})`,
          );
          if (plan.note) log(`note: ${plan.note}`);
          if (json) io.stdout.write(`${JSON.stringify({ type: 'memory-plan', ...plan })}\n`);
          return;
        }
        case 'progress': {
          last = event;
          const line = progressLine(event, recipe.epochs);
          if (io.stderr.isTTY) io.stderr.write(`\r${line}\x1b[K`);
          else {
            const tenth = Math.floor((10 * event.step) / event.stepsPerEpoch);
            if (tenth !== lastTenth) log(line);
            lastTenth = tenth === 10 ? -1 : tenth;
          }
          return;
        }
        case 'epoch-end': {
          if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
          const m = event.metrics;
          trainSeconds += m.seconds;
          lastEpoch = epochRecord(m, recipe.epochs, last?.imagesPerSecond ?? 0);
          emit(lastEpoch, epochLine(m, lastEpoch, recipe.epochs));
          return;
        }
        case 'done':
        case 'error':
          finished(event);
          return;
      }
    };
    await page.exposeFunction('__cardinalEvent', onEvent);
    await session.load();

    const dataStart = performance.now();
    try {
      await Promise.race([
        crash,
        page.evaluate(
          (id) =>
            window.cardinal!.ensureDataset(id, (p) =>
              (window as unknown as { __cardinalData(p: unknown): void }).__cardinalData(p),
            ),
          dataset,
        ),
      ]);
    } catch (error) {
      if (error instanceof RunFailure) throw error;
      throw new RunFailure(
        'no-data',
        `caching ${title} in the browser failed: ${errorMessage(error)}`,
      );
    } finally {
      bar.done();
    }
    const dataSeconds = secondsSince(dataStart);
    log(`cached ${title} in the browser in ${dataSeconds.toFixed(1)} s`);
    log(
      `training ${options.preset} (${params.toLocaleString('en-US')} params) on ` +
        `${sizes.train.toLocaleString('en-US')} images, testing on ` +
        `${sizes.test.toLocaleString('en-US')}, ${recipe.epochs} epoch(s) of batch ${recipe.batchSize}`,
    );

    const config: RunConfig = {
      runId: `cli-${Date.now().toString(36)}`,
      spec: options.spec,
      recipe,
      dataset,
      backend: options.backend,
      limitTrain: options.limitTrain,
      limitTest: options.limitTest,
      ...(options.traceDir ? { trace: { stepWeights: options.traceSteps } } : {}),
    };
    session.running(() => void page.evaluate(() => window.cardinal?.stop()).catch(() => {}));
    // Events travel through __cardinalEvent as JSON; samples (test images) are not needed
    // here, and a trace's weights cross as base64. (No named functions in here: tsx would wrap
    // them in a __name helper that the page does not have.)
    const training = page.evaluate(
      (c) =>
        window.cardinal!.train(c, (e) => {
          let sent: unknown = e;
          if (e.type === 'epoch-end') sent = { ...e, results: { epoch: e.results.epoch } };
          if (e.type === 'trace-weights') {
            let text = '';
            for (let i = 0; i < e.bytes.length; i += 0x8000) {
              text += String.fromCharCode(...e.bytes.subarray(i, i + 0x8000));
            }
            sent = { ...e, bytes: undefined, base64: btoa(text) };
          }
          (window as unknown as { __cardinalEvent(e: unknown): void }).__cardinalEvent(sent);
        }),
      config,
    );
    const trained = training.then(
      () => final,
      (error) => {
        throw new RunFailure('browser', `the run ended abnormally: ${errorMessage(error)}`);
      },
    );
    const end = await Promise.race([final, crash, trained]);
    const stopped = session.finish();
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');

    if (end.type === 'error') {
      throw new RunFailure(end.code, runErrorMessage(end, recipe.optimizer.lr));
    }
    const exported =
      options.exportPath && lastEpoch
        ? await exportWeights(page, config, options.preset, options.exportPath)
        : null;
    if (exported) log(`wrote ${exported.path} (weights of epoch ${exported.epoch})`);
    if (trace && options.traceDir) {
      const backend = (ready as Ready | null)?.backend ?? options.backend;
      const out = trace.output({ spec: options.spec, recipe, dataset, backend });
      if (out instanceof Error) throw new RunFailure('internal', out.message);
      await writeTraceDir(options.traceDir, out);
      log(`wrote the trace of ${out.records.length} steps to ${options.traceDir}/`);
    }
    const summary = summaryRecord({
      options,
      stopped: end.stopped,
      ready,
      last,
      lastEpoch,
      params,
      sizes,
      trainSeconds,
      setupSeconds: {
        build: session.buildSeconds,
        browser: session.browserSeconds,
        data: dataSeconds,
      },
      wallSeconds: secondsSince(started),
    });
    emit(exported ? { ...summary, exported } : summary, summaryLine(summary, title));
    return stopped || end.stopped ? 130 : 0;
  } catch (error) {
    if (session.interrupted) return 130; // the session is closing everything; its doing
    return fail(error instanceof RunFailure ? error.code : 'internal', errorMessage(error));
  } finally {
    await session.close();
  }
}

/**
 * Writes the run's weights.safetensors, taken from the same export bundle the page's Export
 * button downloads (so the file is the page's to the byte).
 */
async function exportWeights(page: Page, config: RunConfig, name: string, path: string) {
  const request = {
    runId: config.runId,
    spec: config.spec,
    recipe: config.recipe,
    dataset: config.dataset,
    name: basename(name).replace(/\.json$/, ''),
    backend: config.backend,
  };
  try {
    const bundle = await page.evaluate((r) => window.cardinal!.exportRun(r), request);
    const weights = unzipSync(Buffer.from(bundle.base64, 'base64'))['weights.safetensors'];
    await writeFile(path, weights);
    return { path, bytes: weights.length, epoch: bundle.epoch };
  } catch (error) {
    throw new RunFailure('internal', `the export to ${path} failed: ${errorMessage(error)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const status = await runCli(process.argv.slice(2));
  // Exit explicitly: a library (vite's build, Playwright) may leave a handle open.
  process.exit(status);
}
