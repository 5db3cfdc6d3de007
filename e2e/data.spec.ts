import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importArchive, type Manifest } from '../src/data';
import { buildSyntheticArchive, streamOf } from '../src/data/synthetic';

/** A small CIFAR-10 imported in Node, as `npm run data -- import` would lay it out. */
async function smallServerDataset() {
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 2,
    trainRecords: 300,
    testRecords: 200,
  });
  const shards = new Map<string, Uint8Array>();
  const manifest: Manifest = await importArchive(streamOf(archive), {
    fileName: 'cifar-10-binary.tar.gz',
    recordsPerShard: 100,
    sink: { putShard: async (info, bytes) => void shards.set(info.file, bytes) },
  });
  return { manifest, shards };
}

/** Serves the dataset at /data/cifar10/, slowly enough that the progress bar is seen moving. */
async function serve(page: Page, data: Awaited<ReturnType<typeof smallServerDataset>>) {
  const shardRequests: string[] = [];
  await page.route('**/data/cifar10/**', async (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop()!;
    if (file === 'manifest.json') {
      return route.fulfill({ json: data.manifest });
    }
    const bytes = data.shards.get(file);
    if (!bytes) return route.fulfill({ status: 404 });
    shardRequests.push(file);
    await new Promise((r) => setTimeout(r, 150));
    return route.fulfill({
      body: Buffer.from(bytes),
      headers: { 'content-type': 'application/octet-stream', 'content-length': `${bytes.length}` },
    });
  });
  return shardRequests;
}

const row = (page: Page, dataset: string) => page.locator(`tr[data-dataset="${dataset}"]`);

test('a dataset is downloaded once with a moving progress bar, then served from IndexedDB', async ({
  page,
}) => {
  const data = await smallServerDataset();
  const shardRequests = await serve(page, data);
  await page.goto('/');
  await expect(row(page, 'cifar10')).toHaveAttribute('data-cached', 'false');

  // Sample the progress bar while the shards arrive.
  const seen = new Set<string>();
  const sampler = setInterval(async () => {
    const loaded = await page
      .getByTestId('data-progress')
      .getAttribute('data-loaded', { timeout: 50 })
      .catch(() => null);
    if (loaded !== null) seen.add(loaded);
  }, 40);
  await row(page, 'cifar10').getByRole('button', { name: 'Download' }).click();
  await expect(row(page, 'cifar10')).toHaveAttribute('data-cached', 'true');
  clearInterval(sampler);
  expect(seen.size, `progress values seen: ${[...seen].join(', ')}`).toBeGreaterThan(2);
  expect(shardRequests).toHaveLength(data.shards.size);
  await expect(page.getByTestId('data-notice')).toContainText('600 train + 200 test');
  await expect(row(page, 'cifar10')).toContainText('600 train + 200 test');

  // A reload finds it cached and asks the server for no shard at all.
  shardRequests.length = 0;
  await page.reload();
  await expect(row(page, 'cifar10')).toHaveAttribute('data-cached', 'true');
  await expect(page.getByTestId('dataset-select')).toContainText('CIFAR-10 — cached');
  await page.waitForTimeout(500);
  expect(shardRequests).toEqual([]);
  await page.screenshot({ path: 'test-results/data-cached.png', fullPage: true });
});

test('an archive imported in the page is cached; a corrupt one is refused and changes nothing', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'cardinal-e2e-'));
  const good = join(dir, 'cifar-100-binary.tar.gz');
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar100',
    trainRecords: 400,
    testRecords: 100,
  });
  writeFileSync(good, archive);
  const corrupt = join(dir, 'cifar-100-truncated.tar.gz');
  writeFileSync(corrupt, archive.subarray(0, Math.floor(archive.length * 0.6)));

  await page.goto('/');
  await page.getByTestId('import-input').setInputFiles(good);
  await expect(page.getByTestId('data-notice')).toContainText('400 train + 100 test');
  await expect(row(page, 'cifar100')).toHaveAttribute('data-cached', 'true');
  await expect(page.getByTestId('dataset-select')).toHaveValue('cifar100');

  await page.getByTestId('import-input').setInputFiles(corrupt);
  const error = page.getByTestId('data-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText(/ends|truncated|incomplete/i);
  await page.screenshot({ path: 'test-results/data-import-error.png', fullPage: true });

  await page.reload();
  await expect(row(page, 'cifar100')).toHaveAttribute('data-cached', 'true');
  await expect(row(page, 'cifar100')).toContainText('400 train + 100 test');
});
