import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/data/sha256';
import { buildSyntheticArchive } from '../../src/data/synthetic';
import { createDataServer, type DataServerOptions, type ServerDataStatus } from './data-server';

const archive = (
  await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 2,
    trainRecords: 40,
    testRecords: 20,
  })
).archive;
const md5 = createHash('md5').update(archive).digest('hex');
const MIRROR = 'http://mirror.test/cifar-10-binary.tar.gz';

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The middleware on a real HTTP server on 127.0.0.1, with a fake upstream `fetch`. */
async function start(upstream: typeof fetch, extra: Partial<DataServerOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cardinal-data-server-'));
  dirs.push(dataDir);
  const handle = createDataServer({
    dataDir,
    env: { CARDINAL_DATA_SOURCE: MIRROR, CARDINAL_DATA_MD5: md5 },
    fetch: upstream,
    abandonAfterMs: 50,
    ...extra,
  });
  const server = createServer((req, res) =>
    handle(req, res, () => res.writeHead(418).end('passed on')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const status = async () =>
    (await (await fetch(`${url}/__cardinal/data/cifar10`)).json()) as ServerDataStatus;
  return { url, dataDir, status };
}

/** Upstream that serves the archive in chunks, counting requests. */
function mirror(options: { delayMs?: number; bytes?: Uint8Array; stallAfter?: number } = {}) {
  const calls: string[] = [];
  const bytes = options.bytes ?? archive;
  const upstream = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push(String(url));
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (options.stallAfter !== undefined && offset >= options.stallAfter) {
          await new Promise((_, reject) =>
            init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)),
          );
        }
        await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 4096));
        offset += 4096;
      },
    });
    return new Response(body, { headers: { 'content-length': String(bytes.length) } });
  }) as typeof fetch;
  return { upstream, calls };
}

/** Nothing at all, or only a complete dataset: never a temporary or half-written folder. */
async function entries(dir: string) {
  return (await readdir(dir)).sort();
}

describe('the lab server fetches CIFAR on demand', () => {
  it('joins concurrent requests into one download, then serves what it wrote', async () => {
    const { upstream, calls } = mirror({ delayMs: 2 });
    const { url, dataDir, status } = await start(upstream);
    expect(await status()).toMatchObject({ state: 'absent', source: MIRROR });
    const head = await fetch(`${url}/data/cifar10/manifest.json`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    expect(calls).toEqual([]); // a HEAD only asks

    const both = Promise.all([1, 2].map(() => fetch(`${url}/data/cifar10/manifest.json`)));
    let seen: ServerDataStatus | undefined;
    while (!seen?.loadedBytes) seen = await status();
    expect(seen).toMatchObject({ state: 'fetching', totalBytes: archive.length });
    const [a, b] = await both;
    expect(calls).toEqual([MIRROR]);
    const manifest = await a.json();
    expect(await b.json()).toEqual(manifest);
    expect(manifest.splits.train.records).toBe(80);
    expect(await status()).toMatchObject({ state: 'ready' });
    expect(await entries(dataDir)).toEqual(['cifar10']);

    const shard = manifest.splits.test.shards[0];
    const bytes = new Uint8Array(
      await (await fetch(`${url}/data/cifar10/${shard.file}`)).arrayBuffer(),
    );
    expect(await sha256Hex(bytes)).toBe(shard.sha256);
    // Only names in its manifest, only known datasets.
    expect((await fetch(`${url}/data/cifar10/other.bin`)).status).toBe(404);
    expect((await fetch(`${url}/data/cifar10/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${url}/data/mnist/manifest.json`)).status).toBe(418);
    expect((await fetch(`${url}/__cardinal/data/..%2Fetc`)).status).toBe(404);
  });

  it('a wrong checksum writes nothing and says so', async () => {
    const { upstream } = mirror();
    const { url, dataDir, status } = await start(upstream, {
      env: { CARDINAL_DATA_SOURCE: MIRROR, CARDINAL_DATA_MD5: '0'.repeat(32) },
    });
    const response = await fetch(`${url}/data/cifar10/manifest.json`);
    expect(response.status).toBe(502);
    const { error } = await response.json();
    expect(error.code).toBe('checksum');
    expect(error.message).toMatch(/MD5 [0-9a-f]{32}.*Nothing was written/);
    expect(await entries(dataDir)).toEqual([]);
    expect((await status()).error?.code).toBe('checksum');
  });

  it('offline: a clear message with the manual ways, nothing written', async () => {
    const upstream = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const { url, dataDir } = await start(upstream);
    const response = await fetch(`${url}/data/cifar10/manifest.json`);
    expect(response.status).toBe(502);
    const { error } = await response.json();
    expect(error.code).toBe('network');
    expect(error.message).toContain(`Cannot download ${MIRROR} (ECONNREFUSED)`);
    expect(error.message).toContain('drop it on the page');
    expect(await entries(dataDir)).toEqual([]);
  });

  it('a cancelled request abandons the download and leaves no partial data', async () => {
    const { upstream, calls } = mirror({ stallAfter: 64 * 1024 });
    const { url, dataDir, status } = await start(upstream);
    const cancel = new AbortController();
    const asked = fetch(`${url}/data/cifar10/manifest.json`, { signal: cancel.signal }).catch(
      (e: unknown) => e,
    );
    while ((await status()).loadedBytes < 64 * 1024) await new Promise((r) => setTimeout(r, 5));
    expect((await readdir(dataDir)).some((n) => n.startsWith('.import-'))).toBe(true);
    cancel.abort();
    await asked;
    let after = await status();
    while (after.state === 'fetching') after = await status();
    expect(after).toMatchObject({ state: 'absent', error: { code: 'aborted' } });
    expect(await entries(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'cifar10'))).toBe(false);
    // The next request starts afresh.
    expect(calls).toHaveLength(1);
  });
});
