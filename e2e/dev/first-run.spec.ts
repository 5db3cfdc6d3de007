// The first run of a fresh clone, as a new user has it: `npm start` (the dev server itself), a
// fresh browser profile, no data anywhere, one click on Train. The lab's server fetches CIFAR-10
// from CARDINAL_DATA_SOURCE (here a local HTTP mirror of ../shared/data's archive), the page
// shows the download, caches the shards and trains, with no reload on the way.
import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configureRun } from '../helpers';
import { RELOAD_LINE, startDevServer } from './devServer';

const ARCHIVE = resolve('../shared/data/cifar-10-binary.tar.gz');

/** Serves one file on 127.0.0.1, as a mirror of the official download would. */
async function serveArchive(path: string): Promise<{ url: string; server: Server }> {
  const size = readFileSync(path).length;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`, server };
}

/** Keys in the page's dataset cache (IndexedDB 'cardinal-data'). */
async function cachedKeys(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const open = indexedDB.open('cardinal-data');
    const db: IDBDatabase = await new Promise((done) => (open.onsuccess = () => done(open.result)));
    if (!db.objectStoreNames.contains('datasets')) return [];
    const request = db.transaction('datasets').objectStore('datasets').getAllKeys();
    return new Promise<string[]>(
      (done) => (request.onsuccess = () => done(request.result as string[])),
    );
  });
}

test('a fresh clone on npm start: one click on Train fetches CIFAR-10 and trains its first epoch', async ({
  page,
}) => {
  test.skip(!existsSync(ARCHIVE), `needs ${ARCHIVE} (see ../shared/data/README.md)`);
  test.setTimeout(480_000);
  const mirror = await serveArchive(ARCHIVE);
  const dataDir = await mkdtemp(join(tmpdir(), 'cardinal-fresh-clone-'));
  const md5 = createHash('md5').update(readFileSync(ARCHIVE)).digest('hex');
  const server = await startDevServer({
    CARDINAL_DATA_SOURCE: mirror.url,
    // ../shared/data's archive was rebuilt: its MD5 is not the published one.
    CARDINAL_DATA_MD5: md5,
    CARDINAL_DATA_DIR: dataDir,
  });
  try {
    let loads = 0;
    page.on('load', () => loads++);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    await expect(page.locator('tr[data-dataset="cifar10"]')).toHaveAttribute(
      'data-cached',
      'false',
    );
    await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm' });
    await page.getByTestId('limit-select').selectOption('1000');
    await expect(page.getByTestId('train-button')).toBeEnabled();

    await page.getByTestId('train-button').click();
    const progress = page.getByTestId('train-data-progress-text');
    await expect(progress).toContainText("The lab's server is downloading cifar-10-binary.tar.gz");
    await expect(progress).toContainText(/of 1\d\d\.\d MB/);
    await page.screenshot({ path: 'test-results/dev-first-run-fetching.png', fullPage: true });
    await expect(progress).toContainText('Storing CIFAR-10 in this browser', { timeout: 240_000 });
    await page.screenshot({ path: 'test-results/dev-first-run-caching.png', fullPage: true });

    await expect(page.getByTestId('chart-accuracy')).toHaveAttribute('data-points', '1', {
      timeout: 300_000,
    });
    await expect(page.getByTestId('chart-loss')).not.toHaveAttribute('data-points', '0');
    await page.screenshot({ path: 'test-results/dev-first-run-epoch.png', fullPage: true });
    await expect(page.locator('tr[data-dataset="cifar10"]')).toContainText(
      '50,000 train + 10,000 test',
    );

    expect(server.log()).not.toMatch(RELOAD_LINE);
    expect(loads).toBe(1);
    expect(errors).toEqual([]);
    // The server wrote the dataset and nothing else (no temporary folder left).
    expect(await readdir(dataDir)).toEqual(['cifar10']);
  } finally {
    await server.stop();
    mirror.server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('an unreachable source: Train says what happened and the manual ways, nothing is kept', async ({
  page,
}) => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  const dataDir = await mkdtemp(join(tmpdir(), 'cardinal-offline-'));
  const server = await startDevServer({
    CARDINAL_DATA_SOURCE: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`,
    CARDINAL_DATA_DIR: dataDir,
  });
  try {
    await page.goto('/');
    await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm' });
    await page.getByTestId('train-button').click();
    const error = page.getByTestId('data-error');
    await expect(error).toContainText(
      `Cannot download http://127.0.0.1:${port}/cifar-10-binary.tar.gz (ECONNREFUSED)`,
    );
    await expect(error).toContainText('drop it on the page');
    await expect(page.getByTestId('run-status')).toHaveText('error');
    await page.screenshot({ path: 'test-results/dev-first-run-offline.png', fullPage: true });
    expect(await readdir(dataDir)).toEqual([]);
    expect(await cachedKeys(page)).toEqual([]);
    // Train stays offered: once the network is back, the next click tries again.
    await expect(page.getByTestId('train-button')).toBeEnabled();
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
