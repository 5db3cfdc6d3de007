// Node's side of the import: the shared pipeline (src/data/import.ts) with a sink that writes
// shard files, made atomic by building the dataset in a temporary folder beside the target and
// renaming it into place only when everything, manifest.json last, is written. A failed or
// interrupted import therefore never touches public/data/<dataset>/.

import { createReadStream } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { loadDataset, type LoadedDataset } from '../../src/data/batches';
import { importArchive, type ImportOptions } from '../../src/data/import';
import { parseManifest, type Manifest } from '../../src/data/manifest';

const TEMP_PREFIX = '.import-';
const OLD_PREFIX = '.old-';

export interface ImportToDirOptions extends Omit<ImportOptions, 'sink'> {
  /** The data folder, e.g. public/data; the dataset lands in <outDir>/<dataset>/. */
  outDir: string;
  /** Last check before the switch-over (the fetch command's MD5); throw to abandon. */
  beforeCommit?: (manifest: Manifest) => void | Promise<void>;
}

export async function importArchiveToDir(
  source: ReadableStream<Uint8Array>,
  options: ImportToDirOptions,
): Promise<{ manifest: Manifest; dir: string }> {
  const { outDir, beforeCommit, ...importOptions } = options;
  await mkdir(outDir, { recursive: true });
  await removeStaleTemps(outDir);
  const temp = await mkdtemp(join(outDir, `${TEMP_PREFIX}${process.pid}-`));
  try {
    const manifest = await importArchive(source, {
      ...importOptions,
      sink: { putShard: (shard, bytes) => writeFile(join(temp, shard.file), bytes) },
    });
    await beforeCommit?.(manifest);
    await writeFile(join(temp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await chmod(temp, 0o755); // mkdtemp makes it private; a web server must read it
    const dir = join(outDir, manifest.dataset);
    await swapIntoPlace(temp, dir);
    return { manifest, dir };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Replaces `target` by `temp`: two renames on one file system. Between them the dataset is
 * briefly absent (never half-written); if the second fails, the old one is put back.
 */
async function swapIntoPlace(temp: string, target: string): Promise<void> {
  const old = join(
    dirname(target),
    `${OLD_PREFIX}${basename(target)}-${process.pid}-${Date.now()}`,
  );
  let moved = false;
  try {
    await rename(target, old);
    moved = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await rename(temp, target);
  } catch (error) {
    if (moved) await rename(old, target);
    throw error;
  }
  if (moved) await rm(old, { recursive: true, force: true });
}

/** Deletes the temporary folders of imports whose process is gone (killed mid-import). */
async function removeStaleTemps(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    const match = new RegExp(`^(?:${TEMP_PREFIX}|${OLD_PREFIX}.*?-)(\\d+)-`).exec(name);
    if (match && !isAlive(Number(match[1]))) {
      await rm(join(outDir, name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads public/data/<dataset>/ back: for scripts that train or evaluate in Node. */
export async function loadDatasetFromDir(dir: string): Promise<LoadedDataset> {
  const manifest = await readManifest(dir);
  return loadDataset(manifest, (shard) => readFile(join(dir, shard.file)));
}

/**
 * An official CIFAR archive read straight into memory through the same import pipeline (the
 * shards never touch the disk): for tests and scripts that train on ../shared/data in Node.
 */
export async function loadDatasetFromArchive(path: string): Promise<LoadedDataset> {
  const shards = new Map<string, Uint8Array>();
  const manifest = await importArchive(
    Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
    {
      fileName: basename(path),
      totalBytes: (await stat(path)).size,
      sink: { putShard: async (shard, bytes) => void shards.set(shard.file, bytes) },
    },
  );
  return loadDataset(manifest, async (shard) => shards.get(shard.file)!);
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.json');
  return parseManifest(JSON.parse(await readFile(path, 'utf8')), path);
}
