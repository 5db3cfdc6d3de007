// Shared steps of the e2e tests.
import { expect, type Locator, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSyntheticArchive } from '../src/data/synthetic';

/** Imports a small synthetic CIFAR-10 through the page's Data panel. */
export async function importSmallCifar10(page: Page, trainRecords = 256, testRecords = 100) {
  const dir = mkdtempSync(join(tmpdir(), 'cardinal-e2e-'));
  const file = join(dir, 'cifar-10-binary.tar.gz');
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 1,
    trainRecords,
    testRecords,
  });
  writeFileSync(file, archive);
  await page.getByTestId('import-input').setInputFiles(file);
  await expect(page.locator('tr[data-dataset="cifar10"]')).toHaveAttribute('data-cached', 'true');
}

/**
 * Clicks `button` (a test id) within one frame of `watched`'s text, or its `attribute`, matching
 * `pattern`. Waiting with `expect(...)` and then clicking left up to a second between the two
 * (expect polls at up to 1 s, and a click waits for the button to stop re-rendering), in which a
 * tiny WASM run could finish: a pause then found no button, or a run already 'done'.
 */
export async function clickOnceMatched(
  page: Page,
  watched: { testId: string; attribute?: string; nth?: number },
  pattern: RegExp,
  button: string,
  timeout: number,
) {
  await page.waitForFunction(
    ({ watched, source, flags, button }) => {
      const all = document.querySelectorAll(`[data-testid="${watched.testId}"]`);
      const element = all[watched.nth ?? 0];
      const target = document.querySelector<HTMLButtonElement>(`[data-testid="${button}"]`);
      const value = watched.attribute
        ? element?.getAttribute(watched.attribute)
        : element?.textContent;
      if (value == null || !new RegExp(source, flags).test(value) || !target) return false;
      target.click();
      return true;
    },
    { watched, source: pattern.source, flags: pattern.flags, button },
    { polling: 'raf', timeout },
  );
}

/** Pauses the run as soon as its accuracy chart has `points` epochs. */
export async function pauseAfterEpochs(page: Page, points: number, timeout: number) {
  const chart = { testId: 'chart-accuracy', attribute: 'data-points' };
  await clickOnceMatched(page, chart, new RegExp(`^${points}$`), 'pause-button', timeout);
  await expect(page.getByTestId('run-status')).toHaveText('paused');
}

/** The real CIFAR-10 archive (../shared/data), when this machine has it. */
export const REAL_CIFAR10 = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'cifar-10-binary.tar.gz',
);
export const hasRealCifar10 = () => existsSync(REAL_CIFAR10);

/** The members of a (POSIX / GNU) tar: name → bytes. */
function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (a: number, b: number) =>
    new TextDecoder().decode(tar.subarray(a, b)).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length;) {
    const name = text(at, at + 100);
    if (!name) break;
    const size = parseInt(text(at + 124, at + 136).trim() || '0', 8);
    files.set(name.split('/').pop()!, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/**
 * Imports the first `train` and `test` images of the real CIFAR-10 (../shared/data) through the
 * Data panel: real images in the official layout, small enough for a WASM run in an e2e test.
 */
export async function importRealCifar10Subset(page: Page, train: number, test: number) {
  const files = untar(gunzipSync(readFileSync(REAL_CIFAR10)));
  const record = 3073;
  const dir = mkdtempSync(join(tmpdir(), 'cardinal-e2e-'));
  const file = join(dir, 'cifar-10-binary.tar.gz');
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 1,
    trainRecords: train,
    testRecords: test,
    records: {
      'data_batch_1.bin': files.get('data_batch_1.bin')!.slice(0, train * record),
      'test_batch.bin': files.get('test_batch.bin')!.slice(0, test * record),
    },
    labelNames: new TextDecoder().decode(files.get('batches.meta.txt')).split('\n').filter(Boolean),
  });
  writeFileSync(file, archive);
  await page.getByTestId('import-input').setInputFiles(file);
  await expect(page.locator('tr[data-dataset="cifar10"]')).toHaveAttribute('data-cached', 'true');
}

/** Chooses network, recipe and run size in the Training panel. */
export async function configureRun(
  page: Page,
  options: {
    preset: string;
    recipe?: string;
    epochs: number;
    batch: number;
    backend: string;
    lr?: number;
  },
) {
  await page.getByTestId('preset-select').selectOption(options.preset);
  await page.getByTestId('recipe-select').selectOption(options.recipe ?? 'quick');
  await page.getByTestId('epochs-input').fill(String(options.epochs));
  await page.getByTestId('batch-input').fill(String(options.batch));
  if (options.lr !== undefined) await page.getByTestId('lr-input').fill(String(options.lr));
  await page.getByTestId('backend-select').selectOption(options.backend);
}

/** Clicks `button` and returns the downloaded file's name and bytes (also kept in test-results). */
export async function download(page: Page, button: Locator, keepAs?: string) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const bytes = readFileSync((await file.path())!);
  writeFileSync(`test-results/${keepAs ?? file.suggestedFilename()}`, bytes);
  return { name: file.suggestedFilename(), bytes };
}

/**
 * Makes the page see a static host (`npm run build` served by any web server): no lab server
 * to fetch CIFAR on demand and no shards, so without a cached dataset nothing can train.
 */
export async function serveAsStaticHost(page: Page) {
  await page.route('**/__cardinal/**', (route) =>
    route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html>' }),
  );
  await page.route('**/data/*/manifest.json', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html>' }),
  );
}
