// The page's side of "one click": Train without the data cached, while the lab's server fetches
// the archive (its answers stubbed here; e2e/dev/first-run.spec.ts runs the real server), a
// Cancel that leaves nothing, and a static host with no server at all.
import { expect, test, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configureRun, serveAsStaticHost } from './helpers';

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

test('Train while the server fetches the archive: progress with rate and ETA, Cancel leaves nothing', async ({
  page,
}) => {
  let loaded = 0;
  await page.route('**/__cardinal/data/*', (route) => {
    const fetching = route.request().url().endsWith('cifar10') && loaded > 0;
    loaded += 5_000_000;
    return route.fulfill({
      json: fetching
        ? {
            dataset: 'cifar10',
            state: 'fetching',
            source: 'http://mirror.test/cifar-10-binary.tar.gz',
            loadedBytes: loaded,
            totalBytes: 170_052_171,
            bytesPerSecond: 2_000_000,
            etaSeconds: 80,
          }
        : { dataset: 'cifar10', state: 'absent', source: 'https://x', loadedBytes: 0 },
    });
  });
  // The manifest waits for a download that never ends here.
  await page.route('**/data/cifar10/manifest.json', () => new Promise(() => {}));
  await page.goto('/');
  await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm' });
  await page.getByTestId('train-button').click();
  const text = page.getByTestId('train-data-progress-text');
  await expect(text).toContainText("The lab's server is downloading cifar-10-binary.tar.gz");
  await expect(text).toContainText(/MB of 170\.1 MB · 2\.0 MB\/s · 1 m 20 s left/);
  await expect(page.getByTestId('data-progress')).toBeVisible(); // the Data panel's too
  await page.screenshot({ path: 'test-results/oneclick-fetching.png' });

  await page.getByTestId('train-data-progress-cancel').click();
  await expect(page.getByTestId('train-data-progress')).toHaveCount(0);
  await expect(page.getByTestId('data-error')).toContainText('Cancelled');
  await expect(page.getByTestId('run-status')).not.toHaveText('running');
  expect(await cachedKeys(page)).toEqual([]);
  await expect(page.getByTestId('run-history').locator('tr[data-status="stopped"]')).toHaveCount(1);
});

test('a static host (no lab server, no shards): the page explains the manual ways', async ({
  page,
}) => {
  await serveAsStaticHost(page);
  await page.goto('/');
  const howTo = page.getByTestId('data-howto');
  await expect(howTo).toContainText('drop it on the Data panel');
  await expect(howTo).toContainText('npm start');
  await expect(howTo).toContainText('npm run data -- fetch cifar10');
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('train-blocker')).toHaveText('Get the dataset first (Data panel).');
  await expect(page.locator('tr[data-dataset="cifar10"]').getByRole('button')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/oneclick-static.png', fullPage: true });
});

test('an archive dropped on the page is imported in a worker; the page stays responsive', async ({
  page,
}) => {
  const archive = resolve('../shared/data/cifar-10-binary.tar.gz');
  test.skip(!existsSync(archive), `needs ${archive} (see ../shared/data/README.md)`);
  test.setTimeout(300_000);
  const workers: string[] = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  await page.goto('/');
  // Long tasks (> 50 ms) of the page's main thread while the 170 MB archive is imported.
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
  await page.getByTestId('import-input').setInputFiles(archive);
  await expect(page.locator('tr[data-dataset="cifar10"]')).toHaveAttribute('data-cached', 'true', {
    timeout: 280_000,
  });
  await expect(page.getByTestId('data-notice')).toContainText('50,000 train + 10,000 test');
  expect(workers.some((url) => url.includes('data.worker'))).toBe(true);
  const longTasks = await page.evaluate(
    () => (window as unknown as { longTasks: number[] }).longTasks,
  );
  // A figure, not an assertion: the main thread's longest task during the import.
  console.log(
    `main-thread long tasks during the import: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`,
  );
});
