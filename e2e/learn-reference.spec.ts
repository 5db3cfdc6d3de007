import { expect, test } from '@playwright/test';
import { importSmallCifar10 } from './helpers';

// The degradation demo's reference (public/reference/degradation.json, a PyTorch run of its
// quick size by scripts/reference.ts): drawn before anything trains, in presenter mode too, and
// under the user's own runs once a shortened run of the demo has trained.
test('the reference curves draw before training and the user’s runs draw over them', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const learn = page.getByTestId('learn-panel');
  const panel = page.locator('section[aria-labelledby="learn-title"]');
  await learn.getByTestId('learn-demo-degradation').click();

  // Before any run: four dashed reference lines per chart, no user lines, the caption.
  const reference = learn.getByTestId('learn-reference');
  await expect(reference).toHaveAttribute('data-fresh', 'true');
  await expect(learn.getByTestId('reference-caption')).toContainText(
    /PyTorch on CPU.*: what this demo shows at its quick size/,
  );
  await expect(learn.getByTestId('reference-stale')).toHaveCount(0);
  for (const id of ['learn-loss', 'learn-accuracy']) {
    const chart = learn.getByTestId(id);
    await expect(chart).toHaveAttribute('data-reference', '4');
    await expect(chart).toHaveAttribute('data-series', '0');
    await expect(chart.locator('.recharts-line.reference-line')).toHaveCount(4);
    await expect(chart.locator('.recharts-line.overlay-line')).toHaveCount(0);
    await expect(chart.locator('.recharts-line.reference-line path[stroke-dasharray]')).toHaveCount(
      4,
    );
  }
  // The narrative's figures are the reference's: every arm's final loss and test accuracy.
  const summary = learn.getByTestId('reference-summary');
  await expect(summary).toContainText(/plain-56 at a training loss of \d\.\d\d \(test accuracy/);
  await expect(learn.getByTestId('reference-finals').locator('tbody tr')).toHaveCount(4);
  await panel.screenshot({ path: 'test-results/reference-light.png' });
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await panel.screenshot({ path: 'test-results/reference-dark.png' });
  await page.getByRole('button', { name: /switch to light theme/ }).click();

  // Presenter mode shows it at once (no run needed).
  await page.getByTestId('present-toggle').click();
  await expect(
    learn.getByTestId('learn-loss').locator('.recharts-line.reference-line'),
  ).toHaveCount(4);
  await page.screenshot({ path: 'test-results/reference-presenter.png' });
  await page.keyboard.press('Escape');

  // A demo without a reference says so; one whose plan changed is marked stale.
  await page.route('**/reference/shortcuts.json', (route) => route.fulfill({ status: 404 }));
  await learn.getByTestId('learn-demo-shortcuts').click();
  await expect(learn.getByTestId('reference-missing')).toContainText('No reference run');
  await page.route('**/reference/blocks.json', async (route) => {
    const real = await (
      await route.fetch({ url: route.request().url().replace('blocks', 'degradation') })
    ).json();
    await route.fulfill({ json: { ...real, demo: 'blocks', hash: '00000000000000' } });
  });
  await learn.getByTestId('learn-demo-blocks').click();
  await expect(learn.getByTestId('reference-stale')).toContainText('Stale reference');
  await learn.getByTestId('learn-demo-degradation').click();

  // A shortened run: 64 images, one epoch, on WASM; its curves start where the reference's do.
  await importSmallCifar10(page, 256, 100);
  await page.getByTestId('backend-select').selectOption('wasm');
  await learn.getByTestId('learn-limit').fill('64');
  await learn.getByTestId('learn-epochs').fill('1');
  await learn.getByTestId('learn-run').click();
  await expect(learn.locator('[data-testid="queue-item"][data-state="done"]')).toHaveCount(4, {
    timeout: 240_000,
  });
  for (const id of ['learn-loss', 'learn-accuracy']) {
    const chart = learn.getByTestId(id);
    await expect(chart).toHaveAttribute('data-series', '4');
    await expect(chart.locator('.recharts-line.overlay-line')).toHaveCount(4);
    await expect(chart.locator('.recharts-line.reference-line')).toHaveCount(4);
  }
  // Only the reference charts draw these runs: the results block has no second copy.
  await expect(learn.getByTestId('learn-loss')).toHaveCount(1);
  await panel.screenshot({ path: 'test-results/reference-with-runs-light.png' });
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await panel.screenshot({ path: 'test-results/reference-with-runs-dark.png' });
  expect(errors).toEqual([]);
});

// Every demo has its reference (scripts/reference.ts), fresh for the plan it shows, with one
// dashed line per arm and the arms' final figures; screenshots in both themes to look at.
const ARMS: Record<string, number> = {
  degradation: 4,
  cardinality: 4,
  blocks: 2,
  shortcuts: 2,
  augmentation: 2,
};
test('every demo draws its own fresh reference', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const learn = page.getByTestId('learn-panel');
  const panel = page.locator('section[aria-labelledby="learn-title"]');
  for (const [demo, arms] of Object.entries(ARMS)) {
    await learn.getByTestId(`learn-demo-${demo}`).click();
    await expect(learn.getByTestId('learn-reference'), demo).toHaveAttribute('data-fresh', 'true');
    await expect(learn.getByTestId('reference-stale')).toHaveCount(0);
    const loss = learn.getByTestId('learn-loss');
    await expect(loss, demo).toHaveAttribute('data-reference', String(arms));
    await expect(loss.locator('.recharts-line.reference-line')).toHaveCount(arms);
    await expect(learn.getByTestId('reference-finals').locator('tbody tr')).toHaveCount(arms);
    await panel.screenshot({ path: `test-results/reference-${demo}-light.png` });
    await page.getByRole('button', { name: /switch to dark theme/ }).click();
    await panel.screenshot({ path: `test-results/reference-${demo}-dark.png` });
    await page.getByRole('button', { name: /switch to light theme/ }).click();
  }
  expect(errors).toEqual([]);
});
