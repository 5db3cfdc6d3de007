import { expect, test } from '@playwright/test';
import { configureRun, importSmallCifar10 } from './helpers';

// WebGPU here is SwiftShader (a software adapter): a ResNet-8 step costs seconds, so this smoke
// test trains a few steps on 16 images and only checks that WebGPU was used and the loss fell.
test('resnet8 trains on WebGPU in headless Chromium and its loss falls', async ({ page }) => {
  test.setTimeout(400_000);
  await page.goto('/');
  await importSmallCifar10(page, 16, 16);
  await configureRun(page, { preset: 'resnet8', epochs: 4, batch: 8, backend: 'webgpu', lr: 0.05 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 380_000 });
  const history = page.getByTestId('run-history').locator('tr[data-status="done"]');
  await expect(history).toContainText('webgpu');

  const losses = await page.evaluate(async () => {
    const open = indexedDB.open('cardinal-runs');
    const db: IDBDatabase = await new Promise(
      (resolve) => (open.onsuccess = () => resolve(open.result)),
    );
    const all: { losses: { loss: number }[] }[] = await new Promise((resolve) => {
      const request = db.transaction('runs').objectStore('runs').getAll();
      request.onsuccess = () => resolve(request.result);
    });
    return all[0].losses.map((p) => p.loss);
  });
  console.log('WebGPU losses per step:', losses.map((l) => l.toFixed(3)).join(' '));
  expect(losses.length).toBeGreaterThanOrEqual(4);
  const firstTwo = (losses[0] + losses[1]) / 2;
  const lastTwo = (losses[losses.length - 1] + losses[losses.length - 2]) / 2;
  expect(lastTwo).toBeLessThan(firstTwo);
  await page.screenshot({ path: 'test-results/webgpu.png', fullPage: true });
});
