import { expect, test } from '@playwright/test';
import { importSmallCifar10, serveAsStaticHost } from './helpers';

// The quick degradation demo, shortened to a few images and one epoch so that its four runs
// (plain-20, plain-56, ResNet-20, ResNet-56) finish on WASM in CI; the real quick size is
// 10,000 images × 3 epochs.
test('the degradation demo queues its four runs and overlays all four curves', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await serveAsStaticHost(page);
  await page.goto('/');

  const learn = page.getByTestId('learn-panel');
  const panel = page.locator('section[aria-labelledby="learn-title"]');
  await learn.getByTestId('learn-demo-degradation').click();
  await learn.getByTestId('learn-size-quick').click();
  await expect(learn.getByTestId('learn-narrative')).toContainText('plain-56');
  await expect(learn.getByTestId('learn-plan')).toContainText('4 runs');
  await expect(learn.getByTestId('learn-plan').locator('tbody tr')).toHaveCount(4);
  // No CIFAR-10 yet, and no lab server to fetch it: the demo says so and cannot start.
  await expect(learn.getByTestId('learn-run')).toBeDisabled();
  await expect(learn.getByTestId('learn-data')).toContainText('not in this browser');

  await importSmallCifar10(page, 256, 100);
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(learn.getByTestId('learn-data')).toContainText('wasm');
  await expect(learn.getByTestId('learn-data')).toContainText('256 training images');
  await learn.getByTestId('learn-size-full').click();
  await expect(learn.getByTestId('learn-plan')).toContainText('all 50,000');
  await learn.getByTestId('learn-size-quick').click();
  await panel.screenshot({ path: 'test-results/learn-plan.png' });

  await learn.getByTestId('learn-limit').fill('64');
  await learn.getByTestId('learn-epochs').fill('1');
  const started = Date.now();
  await learn.getByTestId('learn-run').click();

  const items = learn.getByTestId('queue-item');
  await expect(items).toHaveCount(4);
  await expect(items.nth(0)).toHaveAttribute('data-label', 'plain-20');
  await expect(learn.getByTestId('learn-group')).toContainText('shortened to ≤ 64 train images');
  await expect(learn.locator('[data-testid="queue-item"][data-state="done"]')).toHaveCount(4, {
    timeout: 240_000,
  });
  console.log(`four shortened runs on WASM: ${((Date.now() - started) / 1000).toFixed(0)} s`);

  for (const id of ['learn-loss', 'learn-accuracy']) {
    const chart = learn.getByTestId(id);
    await expect(chart).toHaveAttribute('data-series', '4');
    await expect(chart.locator('.recharts-line.overlay-line')).toHaveCount(4);
  }
  await expect(learn.getByTestId('learn-results').locator('tbody tr')).toHaveCount(4);
  await expect(
    learn.getByTestId('learn-results').locator('tr[data-label="plain-56"]'),
  ).toContainText('853,018');
  await panel.screenshot({ path: 'test-results/learn.png' });
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await panel.screenshot({ path: 'test-results/learn-dark.png' });

  // The demo remembers its latest runs after a reload (the queue is kept in IndexedDB).
  await page.reload();
  await expect(learn.locator('[data-testid="queue-item"][data-state="done"]')).toHaveCount(4);
  await expect(learn.getByTestId('learn-loss').locator('.recharts-line.overlay-line')).toHaveCount(
    4,
  );
  // The augmentation demo adds train against test accuracy: two lines per run.
  await learn.getByTestId('learn-demo-augmentation').click();
  await expect(learn.getByTestId('learn-narrative')).toContainText('crop');
  await expect(learn.getByTestId('learn-group')).toHaveCount(0);
  await page.getByTestId('backend-select').selectOption('wasm');
  await learn.getByTestId('learn-limit').fill('64');
  await learn.getByTestId('learn-epochs').fill('1');
  await learn.getByTestId('learn-run').click();
  await expect(learn.locator('[data-testid="queue-item"][data-state="done"]')).toHaveCount(2, {
    timeout: 120_000,
  });
  await expect(learn.getByTestId('learn-gap').locator('.recharts-line.overlay-line')).toHaveCount(
    4,
  );
  await expect(learn.getByTestId('learn-gap')).toContainText('no augmentation: train');
  await panel.screenshot({ path: 'test-results/learn-augmentation-dark.png' });
  // Back to the degradation demo: its group is still there.
  await learn.getByTestId('learn-demo-degradation').click();
  await expect(learn.getByTestId('queue-item')).toHaveCount(4);
  expect(errors).toEqual([]);
});
