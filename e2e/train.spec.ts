import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSyntheticArchive } from '../src/data/synthetic';
import { analyze, PRESETS } from '../src/spec';

/** Puts a small synthetic CIFAR-10 (256 train, 100 test images) into the page's cache. */
async function importSmallCifar10(page: Page) {
  const dir = mkdtempSync(join(tmpdir(), 'cardinal-e2e-'));
  const file = join(dir, 'cifar-10-binary.tar.gz');
  const { archive } = await buildSyntheticArchive({
    dataset: 'cifar10',
    trainFiles: 1,
    trainRecords: 256,
    testRecords: 100,
  });
  writeFileSync(file, archive);
  await page.getByTestId('import-input').setInputFiles(file);
  await expect(page.locator('tr[data-dataset="cifar10"]')).toHaveAttribute('data-cached', 'true');
}

test('resnet8 trains for an epoch on WASM with live charts, and the run is in the history after a reload', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importSmallCifar10(page);

  await page.getByTestId('preset-select').selectOption('resnet8');
  const params = analyze(PRESETS.resnet8.spec).totals.params;
  await expect(page.getByTestId('param-count')).toHaveText(params.toLocaleString('en-US'));
  await page.getByTestId('recipe-select').selectOption('quick');
  await page.getByTestId('epochs-input').fill('1');
  await page.getByTestId('batch-input').fill('32');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('train-button').click();

  await expect(page.getByTestId('run-status')).toHaveText('running');
  const loss = page.getByTestId('chart-loss');
  await expect(loss).not.toHaveAttribute('data-points', '0', { timeout: 120_000 });
  const progress = page.getByTestId('progress');
  const early = Number(await progress.getAttribute('value'));
  await page.screenshot({ path: 'test-results/training.png', fullPage: true });
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });
  expect(Number(await progress.getAttribute('value'))).toBeGreaterThan(early);
  expect(Number(await loss.getAttribute('data-points'))).toBeGreaterThan(1);
  const accuracy = Number(await page.getByTestId('metric-test-acc').textContent());
  expect(accuracy).toBeGreaterThanOrEqual(0);
  expect(accuracy).toBeLessThanOrEqual(100);
  await expect(page.getByTestId('chart-accuracy')).toHaveAttribute('data-points', '1');
  await page.screenshot({ path: 'test-results/trained.png', fullPage: true });

  await page.reload();
  const history = page.getByTestId('run-history');
  await expect(history.locator('tr[data-status="done"]')).toHaveCount(1);
  await expect(history).toContainText(`${accuracy.toFixed(2)}%`);
  expect(errors).toEqual([]);
});
