import { expect, test } from '@playwright/test';
import { configureRun, importSmallCifar10, pauseAfterEpochs } from './helpers';

test('inside views of a tiny ResNet: live while it trains (paused), then any test image from its checkpoint, also after a reload', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importSmallCifar10(page, 256, 100);
  await configureRun(page, { preset: 'resnet8', epochs: 2, batch: 32, backend: 'wasm' });
  await page.getByTestId('train-button').click();

  // Paused in epoch 2: the live weights of the training run (its model, between two steps).
  await pauseAfterEpochs(page, 1, 60_000);
  await page.getByTestId('inside-open').click();
  const inside = page.getByTestId('inside-views');
  const source = inside.getByTestId('inside-source');
  await expect(source).toHaveText(/^live weights after 1(\.\d+)? epochs?, test image 0$/);
  await expect(inside.getByTestId('inside-predictions').locator('li')).toHaveCount(5);
  await inside.screenshot({ path: 'test-results/inside-live.png' });
  await page.getByTestId('resume-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });

  // Finished: pick an image; the views come from the checkpoint of epoch 1.
  await inside.getByTestId('inside-image-5').click();
  await expect(source).toHaveText('saved weights after 2 epochs, test image 5');
  await expect(inside.getByTestId('inside-image-5')).toHaveAttribute('aria-pressed', 'true');
  await expect(inside.getByTestId('inside-filters').locator('canvas')).toHaveCount(16);
  const maps = inside.getByTestId('inside-feature-maps');
  for (const [name, shape] of [
    ['stem', '16×32×32'],
    ['layer1', '16×32×32'],
    ['layer2', '32×16×16'],
    ['layer3', '64×8×8'],
  ]) {
    await expect(maps.getByTestId(`inside-maps-${name}`)).toContainText(shape);
    await expect(maps.getByTestId(`inside-maps-${name}`).locator('canvas')).toHaveCount(16);
  }
  const predictions = inside.getByTestId('inside-predictions');
  await expect(predictions.locator('li')).toHaveCount(5);
  await expect(predictions).toContainText('true class:');
  const blocks = inside.getByTestId('inside-blocks').locator('li');
  await expect(blocks).toHaveCount(3);
  await expect(blocks.first()).toContainText('layer1.0');
  await expect(inside.getByTestId('inside-paths')).toContainText('No grouped blocks');
  // Canvases hold pictures, not blanks.
  const drawn = await maps
    .locator('canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return new Set(Array.from(data.filter((_, i) => i % 4 === 0))).size;
    });
  expect(drawn).toBeGreaterThan(4);
  await inside.screenshot({ path: 'test-results/inside-views.png' });

  // A finished run opened from the history after a reload.
  await page.reload();
  await page.getByTestId('run-history').getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('inside-open').click();
  await page.getByTestId('inside-image-2').click();
  await expect(page.getByTestId('inside-source')).toHaveText(
    'saved weights after 2 epochs, test image 2',
  );
  await expect(page.getByTestId('inside-blocks').locator('li')).toHaveCount(3);
  await page.getByTestId('inside-views').screenshot({ path: 'test-results/inside-reopened.png' });
  expect(errors).toEqual([]);
});

test('inside views of a tiny ResNeXt: the C paths of each grouped block', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await importSmallCifar10(page, 64, 40);
  await configureRun(page, { preset: 'resnext11_4x16d', epochs: 1, batch: 32, backend: 'wasm' });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 90_000 });
  await page.getByTestId('inside-open').click();
  await page.getByTestId('inside-image-1').click();
  const inside = page.getByTestId('inside-views');
  await expect(inside.getByTestId('inside-source')).toHaveText(
    'saved weights after 1 epoch, test image 1',
  );
  const paths = inside.getByTestId('inside-paths').locator('li');
  await expect(paths).toHaveCount(3);
  await expect(paths.first()).toContainText('C=4');
  await expect(paths.first().locator('rect')).toHaveCount(4);
  await expect(inside.getByTestId('inside-filters').locator('canvas')).toHaveCount(32);
  await inside.screenshot({ path: 'test-results/inside-resnext.png' });
  // The other theme: the views use the theme's colours only.
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await inside.screenshot({ path: 'test-results/inside-resnext-dark.png' });
});
