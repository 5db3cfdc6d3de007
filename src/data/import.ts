// The one import pipeline, shared by `npm run data -- import` (Node, writes files) and the
// in-page import (browser, writes IndexedDB): archive stream → validated records → shards
// handed to a sink as they fill → manifest. Only one shard (≤ 30.7 MB) is held at a time.

import { readArchive, createYielder, type ArchiveEntry } from './archive';
import {
  DATASETS,
  IMAGE_SHAPE,
  classifyArchiveFile,
  expectedFiles,
  parseLabelNames,
  type DatasetId,
  type DatasetInfo,
  type SplitName,
} from './cifar';
import { DataError, throwIfAborted } from './errors';
import { MANIFEST_VERSION, SHARD_LAYOUT, type Manifest, type ShardInfo } from './manifest';
import type { ProgressCallback } from './progress';
import { channelStats, readRecords } from './records';
import { sha256Hex } from './sha256';

/** Where shards go: files in Node, IndexedDB in the browser. Called once per shard, in order. */
export interface ShardSink {
  putShard(shard: ShardInfo, bytes: Uint8Array<ArrayBuffer>, dataset: DatasetId): Promise<void>;
}

export interface ImportOptions {
  sink: ShardSink;
  /** The archive's name, for messages and manifest.source. */
  fileName: string;
  /** The archive's size in bytes, for progress. */
  totalBytes?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Records per shard; 10,000 (≈ 30 MB) keeps each IndexedDB write and fetch moderate. */
  recordsPerShard?: number;
}

const MAX_NAMES_FILE_BYTES = 64 * 1024;

/**
 * Imports an official CIFAR binary archive. Resolves to the manifest once every shard is in
 * the sink; the caller stores the manifest last. Throws DataError for anything invalid.
 */
export async function importArchive(
  source: ReadableStream<Uint8Array>,
  options: ImportOptions,
): Promise<Manifest> {
  const { fileName, signal } = options;
  const recordsPerShard = options.recordsPerShard ?? 10_000;
  const yieldIfBusy = createYielder();
  let dataset: DatasetId | undefined;
  const seenNames = new Map<string, string>(); // base name → full path, to catch duplicates
  const otherFiles: string[] = [];
  const shards: { split: SplitName; order: number; index: number; info: ShardInfo }[] = [];
  const names: { fine?: string[]; coarse?: string[] } = {};
  const trainBatches: number[] = [];
  const histogram = new Float64Array(3 * 256); // train pixel counts per channel and value

  const onEntry = async (entry: ArchiveEntry) => {
    const role = classifyArchiveFile(entry.name);
    if (role.kind === 'other') {
      otherFiles.push(entry.name);
      return;
    }
    if (dataset !== undefined && role.dataset !== dataset) {
      throw new DataError(
        'missing-files',
        `${fileName} mixes files of CIFAR-10 and CIFAR-100 (${seenNames.values().next().value} and ` +
          `${entry.name}). Import the official archives one at a time, as downloaded.`,
      );
    }
    dataset = role.dataset;
    const base = entry.name.slice(entry.name.lastIndexOf('/') + 1);
    const previous = seenNames.get(base);
    if (previous !== undefined) {
      throw new DataError(
        'missing-files',
        `${fileName} holds ${base} twice (${previous} and ${entry.name}). Import the official ` +
          'archive as downloaded.',
      );
    }
    seenNames.set(base, entry.name);
    if (role.kind === 'names') {
      const text = new TextDecoder().decode(await readSmallFile(entry, fileName));
      names[role.coarse ? 'coarse' : 'fine'] = parseLabelNames(text);
      return;
    }
    if (role.split === 'train') trainBatches.push(role.order);
    const info = DATASETS[role.dataset];
    let index = 0;
    const stats = role.split === 'train' ? histogram : undefined;
    await readRecords(entry, info, fileName, recordsPerShard, stats, yieldIfBusy, async (shard) => {
      throwIfAborted(signal);
      const stem = base.replace(/\.bin$/, '');
      const shardInfo: ShardInfo = {
        file: `${role.split}-${stem}-${index}.bin`,
        records: shard.records,
        bytes: shard.bytes.length,
        sha256: await sha256Hex(shard.bytes),
        source: entry.name,
      };
      shards.push({ split: role.split, order: role.order, index, info: shardInfo });
      index++;
      await options.sink.putShard(shardInfo, shard.bytes, role.dataset);
    });
  };

  const archive = await readArchive(source, {
    fileName,
    totalBytes: options.totalBytes,
    onProgress: options.onProgress,
    signal,
    onEntry,
  });

  if (dataset === undefined) {
    const found = otherFiles.slice(0, 5).join(', ') || 'no files';
    throw new DataError(
      'missing-files',
      `${fileName} holds none of the CIFAR data files (found ${found}). Choose the official ` +
        `"binary version" archive: ${DATASETS.cifar10.archiveName} or ${DATASETS.cifar100.archiveName}.`,
    );
  }
  const info = DATASETS[dataset];
  checkExpectedFiles(info, fileName, seenNames, trainBatches);
  const labelNames = checkNames(names.fine, info.classes, info.labelNamesFile, fileName);
  const coarseLabelNames = info.coarseLabelNamesFile
    ? checkNames(names.coarse, info.coarseClasses, info.coarseLabelNamesFile, fileName)
    : undefined;

  // Tar order is arbitrary (the CIFAR-10 archive in ../shared/data starts with data_batch_4),
  // so the record order is fixed here: by batch number, then by shard within a file.
  shards.sort((a, b) => a.order - b.order || a.index - b.index);
  const split = (name: SplitName) => {
    const list = shards.filter((s) => s.split === name).map((s) => s.info);
    return { records: list.reduce((n, s) => n + s.records, 0), shards: list };
  };
  const { mean, std } = channelStats(histogram);
  return {
    version: MANIFEST_VERSION,
    dataset,
    layout: SHARD_LAYOUT,
    imageShape: [...IMAGE_SHAPE],
    labelNames,
    ...(coarseLabelNames ? { coarseLabelNames } : {}),
    splits: { train: split('train'), test: split('test') },
    mean,
    std,
    source: { fileName, bytes: archive.bytes, sha256: archive.sha256 },
    createdAt: new Date().toISOString(),
  };
}

async function readSmallFile(entry: ArchiveEntry, fileName: string): Promise<Uint8Array> {
  if (entry.size > MAX_NAMES_FILE_BYTES) {
    throw new DataError(
      'label-names',
      `${entry.name} in ${fileName} is ${entry.size} bytes, far too big for a list of label ` +
        'names. The archive is not an official one: download it again.',
    );
  }
  return new Uint8Array(await new Response(entry.body).arrayBuffer());
}

function checkExpectedFiles(
  info: DatasetInfo,
  fileName: string,
  seen: Map<string, string>,
  trainBatches: number[],
): void {
  const missing: string[] = [];
  const required =
    info.id === 'cifar10'
      ? ['test_batch.bin', info.labelNamesFile]
      : ['train.bin', 'test.bin', info.labelNamesFile, info.coarseLabelNamesFile!];
  for (const base of required) if (!seen.has(base)) missing.push(`${info.folder}/${base}`);
  if (info.id === 'cifar10') {
    // data_batch_1 … data_batch_N with no gap: a gap means files went missing.
    const batches = [...trainBatches].sort((a, b) => a - b);
    const last = batches.length > 0 ? batches[batches.length - 1] : 1;
    for (let k = 1; k <= last; k++) {
      if (!batches.includes(k)) missing.push(`${info.folder}/data_batch_${k}.bin`);
    }
  }
  if (missing.length > 0) {
    throw new DataError(
      'missing-files',
      `${fileName} looks like ${info.title} but lacks ${missing.join(', ')}. The official ` +
        `archive holds ${expectedFiles(info).join(', ')}: download it again ` +
        `(\`${info.fetchCommand}\`).`,
    );
  }
}

function checkNames(
  names: string[] | undefined,
  count: number,
  file: string,
  fileName: string,
): string[] {
  if (names?.length !== count) {
    throw new DataError(
      'label-names',
      `${file} in ${fileName} lists ${names?.length ?? 0} label names, expected ${count}. ` +
        'The archive is damaged or not an official one: download it again.',
    );
  }
  return names;
}
