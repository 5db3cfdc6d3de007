// What the page says is true: accuracies name the test images they were measured on (a finished
// run's final figure is on the whole split, also in the exported README), a training run is
// shown as training (never "interrupted"), Stop says "stopping…" at once and leaves no stale
// progress, the train-image limit travels in the link, and an edited recipe keeps its name.
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { configureRun, download, importSmallCifar10 } from './helpers';

/** Every text the run-status pill shows, in order (recorded in the page, so none is missed). */
async function recordStatuses(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statuses: string[] }).statuses = seen;
    const note = () => {
      const text = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
      if (seen[seen.length - 1] !== text) seen.push(text);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  return () => page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
}

test('accuracies say their test images, the final one on the whole split; run states are true', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  // 600 test images: a run on the first 256 train images checks the first 500 each epoch.
  await importSmallCifar10(page, 256, 600);
  await configureRun(page, { preset: 'resnet8', epochs: 2, batch: 32, backend: 'wasm' });
  await page.getByTestId('limit-select').selectOption('256');

  // quick, then Epochs edited: still "quick", marked as edited (not "custom").
  const recipe = page.getByTestId('recipe-select');
  await expect(recipe.locator('option:checked')).toHaveText('quick (edited)');
  // The train-image limit is in the link: a reload keeps it (and the edited recipe).
  await page.reload();
  await expect(page.getByTestId('limit-select')).toHaveValue('256');
  await expect(page.getByTestId('epochs-input')).toHaveValue('2');
  await page.getByTestId('backend-select').selectOption('wasm');

  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  // While it trains, the history shows it as running, never as interrupted.
  const row = page.getByTestId('run-history').locator('tbody tr').first();
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect(row).toContainText('ResNet-8, 2 epochs, batch 32');
  // Epoch 1 was checked on a subset, and says so.
  await expect(page.getByTestId('metric-test-scope')).toHaveText(
    'on the first 500 of 600 test images',
    { timeout: 120_000 },
  );
  await expect(row).toHaveAttribute('data-status', /running|paused/);
  await expect(row.getByTestId('accuracy-scope')).toHaveText('on first 500');
  await expect(
    page.getByTestId('run-history').locator('tr[data-status="interrupted"]'),
  ).toHaveCount(0);

  // The finished run's final figure: the whole test split, on the page, in the history and in
  // the exported README.
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 180_000 });
  await expect(page.getByTestId('metric-test-scope')).toHaveText('on all 600 test images');
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.getByTestId('accuracy-scope')).toHaveText('on all 600');
  await expect(page.getByTestId('chart-accuracy')).toContainText(
    'test on first 500, then all 600 images',
  );
  const accuracy = Number(await page.getByTestId('metric-test-acc').textContent());
  const { bytes } = await download(page, page.getByTestId('export-button'), 'truth-export.zip');
  const readme = new TextDecoder().decode(unzipSync(new Uint8Array(bytes))['README.txt']);
  expect(readme).toContain(`Accuracy: ${accuracy.toFixed(2)}% top-1 on all 600 test images`);
  await page.locator('section[aria-labelledby="train-title"]').screenshot({
    path: 'test-results/truth-finished-run.png',
  });

  // Stop: "stopping…" at once, then "stopped", and no progress line left behind.
  await page.getByTestId('epochs-input').fill('20');
  const statuses = await recordStatuses(page);
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect(page.getByTestId('progress-line')).toContainText('step', { timeout: 60_000 });
  await page.getByTestId('stop-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 60_000 });
  const seen = await statuses();
  expect(seen.indexOf('stopping…')).toBeGreaterThan(seen.indexOf('running'));
  expect(seen.indexOf('stopped')).toBeGreaterThan(seen.indexOf('stopping…'));
  await expect(page.getByTestId('progress-line')).not.toContainText(/step|ETA|img\/s/);
  await expect(page.getByTestId('run-history').locator('tr[data-status="stopped"]')).toHaveCount(1);
  expect(errors).toEqual([]);
});
