// npm run data -- import <archive.tar.gz> [--out public/data] [--json]
// npm run data -- fetch cifar10|cifar100 [--out public/data] [--json]
//   (from CARDINAL_DATA_SOURCE when set: see scripts/lib/fetch-archive.ts)
// Puts CIFAR shards and manifest.json under <out>/<dataset>/, which the app serves at
// /data/<dataset>/ and the browser caches. A thin wrapper over src/data (the same import
// pipeline the page runs) and scripts/lib/dataset-dir.ts (atomic writing).
// Exit status: 0 done, 1 the import or download failed, 2 bad usage.

import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATASETS, isDatasetId, type DatasetId } from '../src/data/cifar';
import { DataError, formatBytes } from '../src/data/errors';
import { totalShardBytes, type Manifest } from '../src/data/manifest';
import { importArchiveToDir } from './lib/dataset-dir';
import { archiveSource, fetchArchiveToDir } from './lib/fetch-archive';
import { createProgressBar } from './lib/progress-bar';

const USAGE = [
  'usage: npm run data -- import <archive.tar.gz> [--out public/data] [--json]',
  '       npm run data -- fetch cifar10|cifar100 [--out public/data] [--json]',
].join('\n');

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WriteStream;
  fetch: typeof globalThis.fetch;
  /** Tests only: the MD5 a download must have, in place of the published one. */
  expectedMd5?: string;
}

const defaultIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  fetch: globalThis.fetch.bind(globalThis),
});

export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const options = { command: '', target: '', out: 'public/data', json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--out' && argv[i + 1]) options.out = argv[++i];
    else if (arg === '--help' || arg === '-h') return usage(io, 0);
    else if (arg.startsWith('--')) return usage(io, 2, `unknown option ${arg}`);
    else if (!options.command) options.command = arg;
    else if (!options.target) options.target = arg;
    else return usage(io, 2, `unexpected argument ${arg}`);
  }
  if (!options.target) return usage(io, 2);
  if (options.command === 'fetch' && !isDatasetId(options.target)) {
    return usage(io, 2, `unknown dataset "${options.target}": cifar10 or cifar100`);
  }
  if (options.command !== 'import' && options.command !== 'fetch') {
    return usage(io, 2, `unknown command "${options.command}"`);
  }
  const started = performance.now();
  try {
    const { manifest, dir } =
      options.command === 'import'
        ? await importFile(options.target, options.out, io)
        : await fetchAndImport(options.target as DatasetId, options.out, io);
    const seconds = (performance.now() - started) / 1000;
    io.stdout.write(summary(manifest, dir, seconds, options.json));
    return 0;
  } catch (error) {
    const { code, message } =
      error instanceof DataError ? error : { code: 'internal', message: String(error) };
    if (options.json)
      io.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
    io.stderr.write(`error (${code}): ${message}\n`);
    return 1;
  }
}

function usage(io: CliIo, status: number, problem?: string): number {
  (status === 0 ? io.stdout : io.stderr).write(`${problem ? `${problem}\n` : ''}${USAGE}\n`);
  return status;
}

async function importFile(path: string, outDir: string, io: CliIo) {
  let blob: Blob;
  try {
    // stat first: openAsBlob reports a missing file only as ERR_INVALID_ARG_VALUE.
    if (!(await stat(path)).isFile()) throw Object.assign(new Error(), { code: 'not a file' });
    blob = await openAsBlob(path);
  } catch (cause) {
    throw new DataError(
      'read',
      `Cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). Check ` +
        'the path; `npm run data -- fetch cifar10|cifar100` downloads the official archive.',
      { cause },
    );
  }
  const bar = createProgressBar(`importing ${basename(path)}`, io.stderr);
  try {
    return await importArchiveToDir(blob.stream(), {
      outDir,
      fileName: basename(path),
      totalBytes: blob.size,
      onProgress: (p) => bar.update(p.loadedBytes, p.totalBytes),
    });
  } finally {
    bar.done();
  }
}

async function fetchAndImport(dataset: DatasetId, outDir: string, io: CliIo) {
  const source = archiveSource(dataset);
  if (io.expectedMd5) source.md5 = io.expectedMd5;
  const bar = createProgressBar(`downloading ${DATASETS[dataset].archiveName}`, io.stderr);
  try {
    return await fetchArchiveToDir(dataset, {
      outDir,
      source,
      fetch: io.fetch,
      onProgress: (p) => bar.update(p.loadedBytes, p.totalBytes),
    });
  } finally {
    bar.done();
  }
}

function summary(manifest: Manifest, dir: string, seconds: number, json: boolean): string {
  const shards = [...manifest.splits.train.shards, ...manifest.splits.test.shards];
  const bytes = totalShardBytes(manifest);
  if (json) {
    return (
      JSON.stringify({
        ok: true,
        dataset: manifest.dataset,
        dir,
        seconds: Number(seconds.toFixed(2)),
        records: { train: manifest.splits.train.records, test: manifest.splits.test.records },
        shards: shards.length,
        bytes,
        mean: manifest.mean,
        std: manifest.std,
        source: manifest.source,
      }) + '\n'
    );
  }
  const info = DATASETS[manifest.dataset];
  const f4 = (xs: number[]) => xs.map((x) => x.toFixed(4)).join(' ');
  const count = (n: number) => n.toLocaleString('en-US');
  return [
    `Imported ${info.title} from ${manifest.source.fileName} (${formatBytes(manifest.source.bytes)}) in ${seconds.toFixed(1)} s`,
    `  → ${relative(process.cwd(), dir) || dir}/: ${shards.length} shards, ${formatBytes(bytes)}, manifest.json`,
    `  train ${count(manifest.splits.train.records)} records, test ${count(manifest.splits.test.records)} records`,
    `  train mean ${f4(manifest.mean)}  std ${f4(manifest.std)}`,
    `  labels ${manifest.labelNames.slice(0, 10).join(', ')}${manifest.labelNames.length > 10 ? ', …' : ''}`,
    `  source sha256 ${manifest.source.sha256}`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
