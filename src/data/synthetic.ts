// Small archives in the official CIFAR binary layouts, built in memory, for the tests of the
// import path (Node CLI and browser alike). Not used by the app itself.

import { packTar, type TarEntry } from 'modern-tar';
import { createRng } from '../spec/random';
import { DATASETS, PIXELS_PER_IMAGE, type DatasetId } from './cifar';

export interface SyntheticArchiveOptions {
  dataset: DatasetId;
  /** CIFAR-10: number of data_batch_k.bin files (default 2). CIFAR-100 has one train.bin. */
  trainFiles?: number;
  /** Records per train file (default 7) and in the test file (default 5). */
  trainRecords?: number;
  testRecords?: number;
  /** Base names of files to leave out, e.g. ['test_batch.bin']. */
  omit?: string[];
  /** Overwrites one label byte: fine label (or, with coarse, the coarse one) of a record. */
  badLabel?: { file: string; record: number; value: number; coarse?: boolean };
  /** Appends this many stray bytes to one data file (a record-size mismatch). */
  extraBytes?: { file: string; count: number };
  /** Label names to write (default the right count of "class_k"). */
  labelNames?: string[];
  /** Top-level folder (default the official one). */
  folder?: string;
  /** Adds the files in an order other than the natural one, as the real archive does. */
  reverse?: boolean;
  /** false: a plain .tar. */
  gzip?: boolean;
  /** Records to write instead of random ones, by base name (e.g. real images for an e2e run). */
  records?: Record<string, Uint8Array>;
  seed?: number;
}

export interface SyntheticArchive {
  archive: Uint8Array<ArrayBuffer>;
  /** The data files' raw contents (official record layout), by base name. */
  files: Record<string, Uint8Array>;
}

/** Raw records of one official data file, pseudo-random pixels and in-range labels. */
export function syntheticRecords(dataset: DatasetId, count: number, seed: number): Uint8Array {
  const info = DATASETS[dataset];
  const rng = createRng(seed);
  const bytes = new Uint8Array(count * info.recordBytes);
  for (let r = 0; r < count; r++) {
    const offset = r * info.recordBytes;
    const fine = (r * 7 + seed) % info.classes;
    if (info.labelBytes === 2) bytes[offset] = fine % info.coarseClasses;
    bytes[offset + info.labelBytes - 1] = fine;
    for (let i = 0; i < PIXELS_PER_IMAGE; i++) {
      bytes[offset + info.labelBytes + i] = Math.floor(rng.next() * 256);
    }
  }
  return bytes;
}

export async function buildSyntheticArchive(
  options: SyntheticArchiveOptions,
): Promise<SyntheticArchive> {
  const info = DATASETS[options.dataset];
  const seed = options.seed ?? 1;
  const trainRecords = options.trainRecords ?? 7;
  const dataFiles: [string, number][] =
    options.dataset === 'cifar10'
      ? [
          ...Array.from({ length: options.trainFiles ?? 2 }, (_, k): [string, number] => [
            `data_batch_${k + 1}.bin`,
            trainRecords,
          ]),
          ['test_batch.bin', options.testRecords ?? 5],
        ]
      : [
          ['train.bin', trainRecords],
          ['test.bin', options.testRecords ?? 5],
        ];
  const files: Record<string, Uint8Array> = {};
  dataFiles.forEach(([name, count], k) => {
    let bytes = options.records?.[name] ?? syntheticRecords(options.dataset, count, seed + k);
    if (options.badLabel?.file === name) {
      const { record, value, coarse } = options.badLabel;
      bytes[record * info.recordBytes + (coarse ? 0 : info.labelBytes - 1)] = value;
    }
    if (options.extraBytes?.file === name) {
      const grown = new Uint8Array(bytes.length + options.extraBytes.count);
      grown.set(bytes);
      bytes = grown;
    }
    files[name] = bytes;
  });
  const text: Record<string, string> = {};
  const names = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, k) => `${prefix}_${k}`).join('\n') + '\n\n';
  text[info.labelNamesFile] = options.labelNames
    ? options.labelNames.join('\n') + '\n'
    : names(info.classes, 'class');
  if (info.coarseLabelNamesFile)
    text[info.coarseLabelNamesFile] = names(info.coarseClasses, 'super');

  const folder = options.folder ?? info.folder;
  // readme.html comes early so an unread member sits between data files, as in the real
  // CIFAR-10 archive (skipping it wrongly once stalled the next member).
  const entries: TarEntry[] = [
    { header: { name: `${folder}/`, type: 'directory', size: 0 } },
    { header: { name: `${folder}/readme.html`, type: 'file', size: 5 }, body: 'hello' },
  ];
  const members: [string, Uint8Array | string][] = [
    ...Object.entries(files),
    ...Object.entries(text),
  ];
  if (options.reverse) members.reverse();
  for (const [name, body] of members) {
    if (options.omit?.includes(name)) continue;
    const size = typeof body === 'string' ? new TextEncoder().encode(body).length : body.length;
    entries.push({ header: { name: `${folder}/${name}`, type: 'file', size }, body });
  }
  const tar = await packTar(entries);
  return { archive: options.gzip === false ? tar : await gzip(tar), files };
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A stream of `bytes` in chunks of `chunkSize`, like a file or a response body. */
export function streamOf(bytes: Uint8Array, chunkSize = 4096): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** The official record layout → the shard layout, to compare against what the import wrote. */
export function toPlanar(dataset: DatasetId, records: Uint8Array): Uint8Array {
  const info = DATASETS[dataset];
  const n = records.length / info.recordBytes;
  const planes = info.labelBytes;
  const out = new Uint8Array(n * (PIXELS_PER_IMAGE + planes));
  for (let r = 0; r < n; r++) {
    const offset = r * info.recordBytes;
    out.set(records.subarray(offset + planes, offset + info.recordBytes), r * PIXELS_PER_IMAGE);
    out[n * PIXELS_PER_IMAGE + r] = records[offset + planes - 1];
    if (planes === 2) out[n * (PIXELS_PER_IMAGE + 1) + r] = records[offset];
  }
  return out;
}
