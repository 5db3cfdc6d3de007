import { describe, expect, it } from 'vitest';
import { PIXELS_PER_IMAGE, type DatasetId } from './cifar';
import { DataError, type DataErrorCode } from './errors';
import { importArchive, type ShardSink } from './import';
import { parseManifest, type ShardInfo } from './manifest';
import { Sha256, sha256Hex } from './sha256';
import {
  buildSyntheticArchive,
  gzip,
  streamOf,
  toPlanar,
  type SyntheticArchiveOptions,
} from './synthetic';

function memorySink() {
  const shards = new Map<string, Uint8Array>();
  const sink: ShardSink = {
    async putShard(info: ShardInfo, bytes: Uint8Array) {
      shards.set(info.file, bytes);
    },
  };
  return { sink, shards };
}

async function importBytes(archive: Uint8Array, recordsPerShard?: number, chunkSize = 1000) {
  const { sink, shards } = memorySink();
  const progress: number[] = [];
  const manifest = await importArchive(streamOf(archive, chunkSize), {
    sink,
    fileName: 'test.tar.gz',
    totalBytes: archive.length,
    recordsPerShard,
    onProgress: (p) => progress.push(p.loadedBytes),
  });
  return { manifest, shards, progress };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Mean and population std per channel straight from the official record layout. */
function directStats(dataset: DatasetId, records: Uint8Array) {
  const labelBytes = dataset === 'cifar10' ? 1 : 2;
  const recordBytes = labelBytes + PIXELS_PER_IMAGE;
  const mean = [0, 0, 0];
  const std = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const values: number[] = [];
    for (let o = 0; o < records.length; o += recordBytes) {
      for (let i = 0; i < 1024; i++) values.push(records[o + labelBytes + c * 1024 + i] / 255);
    }
    mean[c] = values.reduce((a, b) => a + b, 0) / values.length;
    std[c] = Math.sqrt(values.reduce((a, b) => a + (b - mean[c]) ** 2, 0) / values.length);
  }
  return { mean, std };
}

describe('importArchive on CIFAR-10 layout', () => {
  it('shards records in batch order, with labels, hashes and stats', async () => {
    // Files in reverse order, 7 records per file, 3 records per shard, 1000-byte chunks:
    // records straddle chunks, files are cut into 3 + 3 + 1 records.
    const { archive, files } = await buildSyntheticArchive({
      dataset: 'cifar10',
      trainFiles: 3,
      reverse: true,
    });
    const { manifest, shards, progress } = await importBytes(archive, 3);
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)), 'manifest')).toEqual(manifest);
    expect(manifest.dataset).toBe('cifar10');
    expect(manifest.labelNames).toHaveLength(10);
    expect(manifest.coarseLabelNames).toBeUndefined();
    expect(manifest.splits.train.records).toBe(21);
    expect(manifest.splits.test.records).toBe(5);
    expect(manifest.splits.train.shards.map((s) => s.file)).toEqual([
      'train-data_batch_1-0.bin',
      'train-data_batch_1-1.bin',
      'train-data_batch_1-2.bin',
      'train-data_batch_2-0.bin',
      'train-data_batch_2-1.bin',
      'train-data_batch_2-2.bin',
      'train-data_batch_3-0.bin',
      'train-data_batch_3-1.bin',
      'train-data_batch_3-2.bin',
    ]);
    expect(manifest.splits.train.shards.map((s) => s.records)).toEqual([3, 3, 1, 3, 3, 1, 3, 3, 1]);
    for (const shard of [...manifest.splits.train.shards, ...manifest.splits.test.shards]) {
      const bytes = shards.get(shard.file)!;
      expect(bytes.length).toBe(shard.bytes);
      expect(bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length).toBe(true);
      expect(await sha256Hex(bytes)).toBe(shard.sha256);
    }
    // Shard 1 of data_batch_2 = records 3..5 of that file, in the planar layout.
    const raw = files['data_batch_2.bin'];
    expect(shards.get('train-data_batch_2-1.bin')).toEqual(
      toPlanar('cifar10', raw.subarray(3 * 3073, 6 * 3073)),
    );
    const test = shards.get('test-test_batch-0.bin')!;
    expect(test).toEqual(toPlanar('cifar10', files['test_batch.bin'].subarray(0, 3 * 3073)));

    const trainRaw = concat([1, 2, 3].map((k) => files[`data_batch_${k}.bin`]));
    const expected = directStats('cifar10', trainRaw);
    for (let c = 0; c < 3; c++) {
      expect(manifest.mean[c]).toBeCloseTo(expected.mean[c], 10);
      expect(manifest.std[c]).toBeCloseTo(expected.std[c], 10);
    }
    expect(manifest.source).toEqual({
      fileName: 'test.tar.gz',
      bytes: archive.length,
      sha256: await sha256Hex(archive),
    });
    expect(progress.at(-1)).toBe(archive.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('imports a plain (uncompressed) tar and a re-packed folder name', async () => {
    const { archive } = await buildSyntheticArchive({
      dataset: 'cifar10',
      gzip: false,
      folder: 'my-copy',
    });
    const { manifest } = await importBytes(archive);
    expect(manifest.splits.train.records).toBe(14);
    expect(manifest.splits.train.shards[0].source).toBe('my-copy/data_batch_1.bin');
  });
});

describe('importArchive on CIFAR-100 layout', () => {
  it('keeps fine and coarse labels in their own planes', async () => {
    const { archive, files } = await buildSyntheticArchive({
      dataset: 'cifar100',
      trainRecords: 23,
      reverse: true,
    });
    const { manifest, shards } = await importBytes(archive, 10, 777);
    expect(manifest.dataset).toBe('cifar100');
    expect(manifest.labelNames).toHaveLength(100);
    expect(manifest.coarseLabelNames).toHaveLength(20);
    expect(manifest.splits.train.shards.map((s) => s.records)).toEqual([10, 10, 3]);
    const joined = concat(manifest.splits.train.shards.map((s) => shards.get(s.file)!));
    const planar = toPlanar('cifar100', files['train.bin'].subarray(20 * 3074));
    expect(shards.get('train-train-2.bin')).toEqual(planar);
    expect(joined.length).toBe(23 * 3074);
    const stats = directStats('cifar100', files['train.bin']);
    expect(manifest.mean[1]).toBeCloseTo(stats.mean[1], 10);
    expect(manifest.std[2]).toBeCloseTo(stats.std[2], 10);
  });
});

async function expectImportError(
  archive: Uint8Array,
  code: DataErrorCode,
  message: RegExp,
): Promise<DataError> {
  const { sink, shards } = memorySink();
  const error = await importArchive(streamOf(archive, 1000), {
    sink,
    fileName: 'bad.tar.gz',
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataError);
  expect((error as DataError).code).toBe(code);
  expect((error as DataError).message).toMatch(message);
  expect((error as DataError).message).toContain('bad.tar.gz');
  void shards;
  return error as DataError;
}

const build = (options: Partial<SyntheticArchiveOptions> = {}) =>
  buildSyntheticArchive({ dataset: 'cifar10', ...options }).then((a) => a.archive);

describe('importArchive rejects bad input with a message that says what to do', () => {
  it('truncated gzip', async () => {
    const archive = await build();
    await expectImportError(archive.subarray(0, archive.length >> 1), 'truncated-gzip', /again/);
  });

  it('corrupt gzip data', async () => {
    const archive = (await build()).slice();
    archive[archive.length - 6] ^= 0xff; // inside the CRC-32 trailer
    await expectImportError(archive, 'corrupt-gzip', /damaged.*again/);
  });

  it('a gzip file that is not a tar', async () => {
    const text = new TextEncoder().encode('not a tar archive at all\n'.repeat(100));
    await expectImportError(await gzip(text), 'not-tar', /not a gzip-compressed tar/);
  });

  it('a file that is neither gzip nor tar', async () => {
    await expectImportError(new TextEncoder().encode('PK\x03\x04 zip'), 'not-tar', /official/);
    await expectImportError(new Uint8Array(0), 'not-tar', /empty/);
  });

  it('a tar without the expected files', async () => {
    await expectImportError(
      await build({ omit: ['test_batch.bin'] }),
      'missing-files',
      /test_batch/,
    );
    await expectImportError(
      await build({ trainFiles: 3, omit: ['data_batch_2.bin'] }),
      'missing-files',
      /data_batch_2\.bin/,
    );
    await expectImportError(
      await build({ dataset: 'cifar100', omit: ['coarse_label_names.txt'] }),
      'missing-files',
      /coarse_label_names/,
    );
    const { packTar } = await import('modern-tar');
    const unrelated = await packTar([{ header: { name: 'photo.jpg', size: 3 }, body: 'abc' }]);
    await expectImportError(await gzip(unrelated), 'missing-files', /photo\.jpg.*binary version/);
  });

  it('a record-size mismatch', async () => {
    const error = await expectImportError(
      await build({ extraBytes: { file: 'data_batch_2.bin', count: 5 } }),
      'record-size',
      /data_batch_2\.bin.*3073 bytes each/,
    );
    expect(error.message).toMatch(/download it again/);
  });

  it('a label out of range', async () => {
    await expectImportError(
      await build({ badLabel: { file: 'data_batch_1.bin', record: 4, value: 10 } }),
      'label-range',
      /Record 4 of .*data_batch_1\.bin.* label 10.*10 \(0–9\)/,
    );
    await expectImportError(
      await build({
        dataset: 'cifar100',
        badLabel: { file: 'test.bin', record: 2, value: 20, coarse: true },
      }),
      'label-range',
      /coarse label 20/,
    );
  });

  it('label names of the wrong count', async () => {
    await expectImportError(
      await build({ labelNames: ['a', 'b'] }),
      'label-names',
      /2 label names/,
    );
  });

  it('stops when aborted', async () => {
    const { archive } = await buildSyntheticArchive({ dataset: 'cifar10' });
    const controller = new AbortController();
    const { sink } = memorySink();
    const error = await importArchive(streamOf(archive, 500), {
      sink,
      fileName: 'x.tar.gz',
      onProgress: (p) => {
        if (p.loadedBytes > 2000) controller.abort();
      },
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((error as DataError).code).toBe('aborted');
  });
});

describe('Sha256 (incremental, for the source archive)', () => {
  it('matches Web Crypto at every length around the block size, in odd chunks', async () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131) & 255);
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000]) {
      const hasher = new Sha256();
      for (let o = 0; o < n; o += 37) hasher.update(data.subarray(o, Math.min(n, o + 37)));
      expect(hasher.digestHex()).toBe(await sha256Hex(data.subarray(0, n)));
    }
    expect(new Sha256().update(new TextEncoder().encode('abc')).digestHex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
