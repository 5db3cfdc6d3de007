import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { configureRun, importSmallCifar10 } from './helpers';
import { BUNDLE_FILES, writeSafetensors } from '../src/engine/export';
import { analyze, PRESETS } from '../src/spec';

test('a trained run exports a PyTorch bundle whose weights import back with the same test accuracy; bad files change nothing', async ({
  page,
}) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importSmallCifar10(page);
  await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm' });
  await expect(page.getByTestId('export-button')).toHaveCount(0);
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });
  const accuracy = await page.getByTestId('metric-test-acc').textContent();
  expect(Number(accuracy)).toBeGreaterThanOrEqual(0);
  await expect(page.getByTestId('export-epoch')).toHaveText('weights of epoch 1');

  // Export: the download is the bundle, with every file, and spec.json is resnet8's.
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('cardinal-resnet8-cifar10-epoch1.zip');
  const zip = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  expect(Object.keys(zip).sort()).toEqual([...BUNDLE_FILES].sort());
  const text = (name: string) => new TextDecoder().decode(zip[name]);
  expect(JSON.parse(text('spec.json'))).toEqual(PRESETS.resnet8.spec);
  expect(JSON.parse(text('recipe.json'))).toMatchObject({ epochs: 1, batchSize: 32 });
  const csv = text('metrics.csv').trim().split('\n');
  expect(csv).toHaveLength(2);
  expect(Number(csv[1].split(',')[4])).toBeCloseTo(Number(accuracy), 2);
  expect(text('README.txt')).toContain('after 1 epoch(s)');
  await expect(page.getByTestId('export-status')).toContainText('Downloaded');
  const weights = Buffer.from(zip['weights.safetensors']);

  // Import: with another network in the builder, the file's spec (from its metadata) replaces it.
  const history = page.getByTestId('run-history').locator('tbody tr');
  await expect(history).toHaveCount(1);
  await page.getByTestId('preset-select').selectOption('resnet20');
  const resnet20 = analyze(PRESETS.resnet20.spec).totals.params.toLocaleString('en-US');
  await expect(page.getByTestId('param-count')).toHaveText(resnet20);
  await page.getByTestId('weights-input').setInputFiles({
    name: 'weights.safetensors',
    mimeType: 'application/octet-stream',
    buffer: weights,
  });
  await expect(page.getByTestId('run-imported')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('run-status')).toHaveText('done');
  await expect(page.getByTestId('metric-test-acc')).toHaveText(accuracy!);
  // The same predictions and the same loss as the trained run's evaluation (metrics.csv).
  const testLoss = Number(csv[1].split(',')[3]);
  await expect(page.getByTestId('metric-test-loss')).toHaveText(testLoss.toFixed(4));
  const resnet8 = analyze(PRESETS.resnet8.spec).totals.params.toLocaleString('en-US');
  await expect(page.getByTestId('param-count')).toHaveText(resnet8);
  await expect(page.getByTestId('imported-summary')).toContainText('weights.safetensors');
  await expect(page.getByTestId('per-class').locator('li')).toHaveCount(10);
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  await expect(page.getByTestId('sample-grid').locator('canvas')).toHaveCount(32);
  await expect(history).toHaveCount(2);
  await expect(history.first()).toContainText('Imported weights.safetensors');
  await page.screenshot({ path: 'test-results/export.png', fullPage: true });

  // Hostile files: a clear message, and neither the network nor the history changes.
  await page.getByTestId('preset-select').selectOption('resnet20');
  await expect(page.getByTestId('param-count')).toHaveText(resnet20);
  const bad = [
    {
      name: 'truncated.safetensors',
      buffer: weights.subarray(0, 100),
      says: /not a valid safetensors file/,
    },
    {
      // A well-formed file without Cardinal metadata is checked against the builder's network.
      name: 'other.safetensors',
      buffer: Buffer.from(
        writeSafetensors([{ name: 'fc.weight', dtype: 'F32', shape: [2], data: [1, 2] }]),
      ),
      says: /do not fit this network/,
    },
    {
      name: 'random.safetensors',
      buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
      says: /not a valid safetensors file/,
    },
  ];
  for (const file of bad) {
    await page.getByTestId('weights-input').setInputFiles({
      name: file.name,
      mimeType: 'application/octet-stream',
      buffer: file.buffer,
    });
    await expect(page.getByTestId('weights-error')).toContainText(file.name);
    await expect(page.getByTestId('weights-error')).toContainText(file.says);
    await expect(page.getByTestId('param-count')).toHaveText(resnet20);
    await expect(history).toHaveCount(2);
    await expect(page.getByTestId('run-imported')).toBeVisible();
  }
  await page
    .locator('section[aria-labelledby="train-title"]')
    .screenshot({ path: 'test-results/export-error.png' });

  // Continue training from the imported weights (epochs 2–4, a fresh optimizer), and export
  // while it trains: the bundle holds the last finished epoch's weights.
  await expect(page.getByTestId('continue-button')).toBeDisabled();
  await page.getByTestId('epochs-input').fill('4');
  await page.getByTestId('continue-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect(page.getByTestId('weights-input')).toBeDisabled();
  const chart = page.getByTestId('chart-accuracy');
  await expect(chart).toHaveAttribute('data-points', '2', { timeout: 120_000 });
  const duringTraining = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  expect((await duringTraining).suggestedFilename()).toMatch(
    /^cardinal-resnet8-cifar10-epoch[234]\.zip$/,
  );
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });
  await expect(chart).toHaveAttribute('data-points', '4');
  await expect(page.getByTestId('export-epoch')).toHaveText('weights of epoch 4');
  await expect(history).toHaveCount(3);
  expect(errors).toEqual([]);
});
