import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/data/sha256';
import { buildSyntheticArchive } from '../src/data/synthetic';
import { runCli, type CliIo } from './data';
import { loadDatasetFromDir, readManifest } from './lib/dataset-dir';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cardinal-data-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function testIo(fetch?: typeof globalThis.fetch, expectedMd5?: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false } as unknown as NodeJS.WriteStream,
    fetch:
      fetch ??
      ((async () => {
        throw new Error('no network in tests');
      }) as typeof globalThis.fetch),
    expectedMd5,
  };
  return { io, out: () => stdout, err: () => stderr };
}

async function writeArchive(name: string, options: Parameters<typeof buildSyntheticArchive>[0]) {
  const path = join(work, name);
  const { archive } = await buildSyntheticArchive(options);
  await writeFile(path, archive);
  return { path, archive };
}

async function listTree(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      tree[path.slice(dir.length)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    }
  }
  return tree;
}

describe('npm run data -- import', () => {
  it('writes shards and manifest.json, and prints one JSON object with --json', async () => {
    const { path, archive } = await writeArchive('c10.tar.gz', {
      dataset: 'cifar10',
      trainFiles: 3,
    });
    const out = join(work, 'out-import');
    const t = testIo();
    expect(await runCli(['import', path, '--out', out, '--json'], t.io)).toBe(0);
    const result = JSON.parse(t.out());
    expect(result).toMatchObject({
      ok: true,
      dataset: 'cifar10',
      records: { train: 21, test: 5 },
      shards: 4,
      source: { fileName: 'c10.tar.gz', bytes: archive.length, sha256: await sha256Hex(archive) },
    });
    const manifest = await readManifest(join(out, 'cifar10'));
    expect(manifest.splits.train.shards.map((s) => s.file)).toEqual([
      'train-data_batch_1-0.bin',
      'train-data_batch_2-0.bin',
      'train-data_batch_3-0.bin',
    ]);
    for (const shard of [...manifest.splits.train.shards, ...manifest.splits.test.shards]) {
      const bytes = await readFile(join(out, 'cifar10', shard.file));
      expect(bytes.length).toBe(shard.bytes);
      expect(await sha256Hex(bytes)).toBe(shard.sha256);
    }
    expect((await readdir(out)).sort()).toEqual(['cifar10']); // no temporary folders left
  });

  it('prints a readable summary by default, and detects CIFAR-100', async () => {
    const { path } = await writeArchive('c100.tar.gz', { dataset: 'cifar100' });
    const t = testIo();
    expect(await runCli(['import', path, '--out', join(work, 'out-100')], t.io)).toBe(0);
    expect(t.out()).toMatch(/Imported CIFAR-100 from c100\.tar\.gz/);
    expect(t.out()).toMatch(/train 7 records, test 5 records/);
    expect(t.err()).toMatch(/importing c100\.tar\.gz \[#+\] 100%/);
  });

  it('a failed import leaves the previous data untouched', async () => {
    const out = join(work, 'out-atomic');
    const good = await writeArchive('good.tar.gz', { dataset: 'cifar10' });
    expect(await runCli(['import', good.path, '--out', out], testIo().io)).toBe(0);
    const before = await listTree(out);
    const bad = await writeArchive('bad.tar.gz', {
      dataset: 'cifar10',
      seed: 9,
      badLabel: { file: 'test_batch.bin', record: 4, value: 10 },
    });
    const t = testIo();
    expect(await runCli(['import', bad.path, '--out', out, '--json'], t.io)).toBe(1);
    expect(JSON.parse(t.out())).toMatchObject({ ok: false, error: { code: 'label-range' } });
    expect(t.err()).toMatch(/error \(label-range\): Record 4 of .*test_batch\.bin/);
    expect(await listTree(out)).toEqual(before);

    // A truncated archive, likewise; then a good re-import replaces the old data cleanly.
    const cut = join(work, 'cut.tar.gz');
    await writeFile(cut, (await readFile(good.path)).subarray(0, 3000));
    const c = testIo();
    expect(await runCli(['import', cut, '--out', out], c.io)).toBe(1);
    expect(c.err()).toMatch(/truncated-gzip/);
    expect(await listTree(out)).toEqual(before);
    const other = await writeArchive('other.tar.gz', { dataset: 'cifar10', seed: 5 });
    expect(await runCli(['import', other.path, '--out', out], testIo().io)).toBe(0);
    expect((await readManifest(join(out, 'cifar10'))).source.fileName).toBe('other.tar.gz');
    expect(await readdir(out)).toEqual(['cifar10']);
  });

  it('names the problem for a missing file and for bad usage', async () => {
    const t = testIo();
    expect(await runCli(['import', join(work, 'nope.tar.gz')], t.io)).toBe(1);
    expect(t.err()).toMatch(/Cannot read .*nope\.tar\.gz \(ENOENT\)/);
    expect(await runCli(['frobnicate', 'x'], testIo().io)).toBe(2);
    expect(await runCli(['fetch', 'mnist'], testIo().io)).toBe(2);
    expect(await runCli([], testIo().io)).toBe(2);
  });
});

describe('npm run data -- fetch', () => {
  it('without network fails at once, naming the import command', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    }) as typeof globalThis.fetch;
    const t = testIo(offline);
    const started = performance.now();
    expect(await runCli(['fetch', 'cifar10', '--out', join(work, 'out-fetch')], t.io)).toBe(1);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(t.err()).toMatch(
      /error \(network\): Cannot download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz \(ENOTFOUND\)/,
    );
    expect(t.err()).toContain('npm run data -- import <path/to/cifar-10-binary.tar.gz>');
    expect(existsSync(join(work, 'out-fetch', 'cifar10'))).toBe(false);
  });

  it('checks the MD5 before switching over, and imports a good download', async () => {
    const { archive } = await buildSyntheticArchive({ dataset: 'cifar100' });
    const server = (async (url: string | URL | Request) => {
      expect(String(url)).toBe('https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz');
      return new Response(archive, { headers: { 'content-length': String(archive.length) } });
    }) as typeof globalThis.fetch;
    const out = join(work, 'out-md5');
    const wrong = testIo(server); // the synthetic archive is not the published one
    expect(await runCli(['fetch', 'cifar100', '--out', out], wrong.io)).toBe(1);
    expect(wrong.err()).toMatch(/error \(checksum\): .*MD5 .*published one is 03b5dce0/);
    expect(existsSync(join(out, 'cifar100'))).toBe(false);

    const md5 = createHash('md5').update(archive).digest('hex');
    const right = testIo(server, md5);
    expect(await runCli(['fetch', 'cifar100', '--out', out, '--json'], right.io)).toBe(0);
    expect(JSON.parse(right.out())).toMatchObject({ ok: true, dataset: 'cifar100' });
    expect(right.err()).toMatch(/downloading cifar-100-binary\.tar\.gz \[#+\] 100%/);
  });
});

// The real archives (official layout) live outside the repository; see ../shared/data/README.md.
const sharedData = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data');
const cifar10Archive = join(sharedData, 'cifar-10-binary.tar.gz');
const cifar100Archive = join(sharedData, 'cifar-100-binary-subset.tar.gz');
const haveCifar10 = existsSync(cifar10Archive);
const haveCifar100 = existsSync(cifar100Archive);
if (!haveCifar10)
  console.warn(`skipping the real CIFAR-10 import test: ${cifar10Archive} is missing`);
if (!haveCifar100)
  console.warn(`skipping the real CIFAR-100 import test: ${cifar100Archive} is missing`);

describe('importing the real archives', () => {
  it.skipIf(!haveCifar10)('CIFAR-10: 50,000 + 10,000 records, known labels and means', async () => {
    const out = join(work, 'real');
    const t = testIo();
    expect(await runCli(['import', cifar10Archive, '--out', out, '--json'], t.io)).toBe(0);
    const result = JSON.parse(t.out());
    expect(result.source.sha256).toBe(
      '3a6b3b68ae69e9368deb38be3825ca3bcde2e1ecf5cd470f395304ac522ed532',
    );
    const data = await loadDatasetFromDir(join(out, 'cifar10'));
    expect(data.train.count).toBe(50_000);
    expect(data.test.count).toBe(10_000);
    expect([...data.train.labels.subarray(0, 10)]).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect([...data.test.labels.subarray(0, 10)]).toEqual([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    const expectedMean = [0.4914, 0.4822, 0.4465];
    const expectedStd = [0.247, 0.2435, 0.2616];
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(data.manifest.mean[c] - expectedMean[c])).toBeLessThan(0.0005);
      expect(Math.abs(data.manifest.std[c] - expectedStd[c])).toBeLessThan(0.0005);
    }
    const perClass = (labels: Uint8Array) => {
      const counts = new Array<number>(10).fill(0);
      for (const label of labels) counts[label]++;
      return counts;
    };
    expect(perClass(data.train.labels)).toEqual(new Array(10).fill(5000));
    expect(perClass(data.test.labels)).toEqual(new Array(10).fill(1000));
    expect(data.manifest.labelNames[0]).toBe('airplane');
  });

  it.skipIf(!haveCifar100)(
    'CIFAR-100 subset: 10,000 + 10,000 records, labels in range',
    async () => {
      const out = join(work, 'real');
      expect(await runCli(['import', cifar100Archive, '--out', out], testIo().io)).toBe(0);
      const data = await loadDatasetFromDir(join(out, 'cifar100'));
      expect(data.train.count).toBe(10_000);
      expect(data.test.count).toBe(10_000);
      for (const split of [data.train, data.test]) {
        expect(Math.max(...split.labels)).toBe(99);
        expect(Math.max(...split.coarseLabels!)).toBe(19);
      }
      // This subset's records are ordered so that record k has fine label k mod 100.
      expect(data.train.labels.every((label, k) => label === k % 100)).toBe(true);
      expect(data.manifest.coarseLabelNames).toHaveLength(20);
      // numpy on this subset's train.bin: mean 0.5062 0.4861 0.4415, std 0.2676 0.2561 0.2760
      // (the README's ≈ 0.5071, 0.4865, 0.4409 are the full 50,000-image figures).
      const mean = [0.5062, 0.4861, 0.4415];
      const std = [0.2676, 0.2561, 0.276];
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(data.manifest.mean[c] - mean[c])).toBeLessThan(0.0005);
        expect(Math.abs(data.manifest.std[c] - std[c])).toBeLessThan(0.0005);
      }
    },
  );
});
