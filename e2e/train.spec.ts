import { expect, test } from '@playwright/test';
import { configureRun, importSmallCifar10, pauseAfterEpochs } from './helpers';
import { analyze, PRESETS } from '../src/spec';

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
  await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm' });
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
  // Results of the epoch: per-class accuracy, confusion matrix, test images with predictions.
  await expect(page.getByTestId('per-class').locator('li')).toHaveCount(10);
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  await expect(page.getByTestId('sample-grid').locator('canvas')).toHaveCount(32);
  await page.screenshot({ path: 'test-results/trained.png', fullPage: true });

  await page.reload();
  const history = page.getByTestId('run-history');
  await expect(history.locator('tr[data-status="done"]')).toHaveCount(1);
  await expect(history).toContainText(`${accuracy.toFixed(2)}%`);
  expect(errors).toEqual([]);
});

test('a run interrupted by a reload resumes from its checkpoint and its curves continue', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await importSmallCifar10(page, 256, 50);
  await configureRun(page, { preset: 'resnet8', epochs: 3, batch: 32, backend: 'wasm' });
  await page.getByTestId('train-button').click();
  await pauseAfterEpochs(page, 1, 120_000);

  await page.reload();
  const interrupted = page.getByTestId('run-history').locator('tr[data-status="interrupted"]');
  await expect(interrupted).toHaveCount(1);
  await interrupted.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });
  // Epoch 1 came from the checkpoint; epochs 2 and 3 were trained after the reload.
  await expect(page.getByTestId('chart-accuracy')).toHaveAttribute('data-points', '3');
  await expect(page.getByTestId('run-history').locator('tr[data-status="done"]')).toHaveCount(1);
});

test('the recipe is editable beyond its name, and the edit travels in the link', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('recipe-select').selectOption('step-160');
  const details = page.getByTestId('recipe-details');
  await details.locator('summary').click();
  await expect(details).toContainText('MultiStepLR: ×0.1 at epochs 80, 120');
  const before = page.url();
  await details.getByLabel('Weight decay').fill('0.0005');
  await details.getByLabel('Label smoothing').fill('0.1');
  // Still named after the recipe it came from, marked as edited.
  await expect(page.getByTestId('recipe-select')).toHaveValue('edited');
  await expect(page.getByTestId('recipe-select').locator('option:checked')).toHaveText(
    'step-160 (edited)',
  );
  expect(page.url()).not.toBe(before);

  const other = await page.context().newPage();
  await other.goto(page.url());
  const reopened = other.getByTestId('recipe-details');
  await reopened.locator('summary').click();
  await expect(reopened.getByLabel('Weight decay')).toHaveValue('0.0005');
  await expect(reopened.getByLabel('Label smoothing')).toHaveValue('0.1');
});
