import { expect, test, type Page } from '@playwright/test';
import { configureRun, download, importSmallCifar10 } from './helpers';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function trainResnet8(page: Page, lr: number) {
  await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm', lr });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
}

test('two runs that differ in learning rate compare: overlaid curves, metrics, diff, CSV and PNG', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importSmallCifar10(page, 128, 50);
  await trainResnet8(page, 0.05);
  await trainResnet8(page, 0.2);

  const history = page.getByTestId('run-history');
  const done = history.locator('tr[data-status="done"]');
  await expect(done).toHaveCount(2);
  const compare = page.getByTestId('compare-selected');
  await expect(compare).toBeDisabled();
  for (const row of await done.all()) await row.locator('input[type=checkbox]').check();
  await expect(compare).toHaveText('Compare selected (2)');
  await page
    .locator('#history-title')
    .locator('..')
    .screenshot({ path: 'test-results/compare-history.png' });
  await compare.click();

  const view = page.getByTestId('compare-runs');
  for (const id of ['compare-loss', 'compare-accuracy']) {
    const chart = view.getByTestId(id);
    await expect(chart).toHaveAttribute('data-series', '2');
    // One layer per run; one epoch draws a dot, not a curve, so the accuracy chart has dots.
    await expect(chart.locator('.recharts-line.overlay-line')).toHaveCount(2);
    const drawn = id === 'compare-loss' ? 'path.recharts-line-curve' : '.recharts-line-dot';
    await expect(chart.locator(drawn)).toHaveCount(2);
  }
  await expect(view.getByTestId('compare-table').locator('tbody tr')).toHaveCount(2);
  const lr = view.getByTestId('compare-diff').locator('tr[data-path="recipe.optimizer.lr"]');
  await expect(lr).toContainText('0.05');
  await expect(lr).toContainText('0.2');
  await view.screenshot({ path: 'test-results/compare.png' });

  const csv = await download(page, view.getByRole('button', { name: 'CSV' }));
  expect(csv.name).toBe('cardinal-compare.csv');
  const lines = csv.bytes.toString('utf8').trimEnd().split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^run_id,run,dataset,/);

  const png = await download(page, view.getByTestId('compare-loss').getByRole('button'));
  expect(png.name).toBe('compare-loss.png');
  expect([...png.bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  await download(page, view.getByTestId('compare-accuracy').getByRole('button'));

  // The dark theme: the view and an export made in it.
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await view.screenshot({ path: 'test-results/compare-dark.png' });
  const dark = view.getByTestId('compare-accuracy').getByRole('button');
  await download(page, dark, 'compare-accuracy-dark.png');

  await view.getByRole('button', { name: 'Close' }).click();
  await expect(view).toHaveCount(0);
  expect(errors).toEqual([]);
});
