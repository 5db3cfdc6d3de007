import { expect, test, type Locator } from '@playwright/test';
import { clickOnceMatched, download, importSmallCifar10 } from './helpers';

/** The rows' data-params as numbers. */
async function paramsOf(rows: Locator): Promise<number[]> {
  const values = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-params')));
  return values.map(Number);
}

function within5Percent([a, b]: number[]) {
  expect(a).toBeGreaterThan(0);
  expect(Math.abs(a - b) / a).toBeLessThan(0.05);
}

test('a two-cardinality study queues, pauses across a reload, finishes and compares', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importSmallCifar10(page, 64, 50);
  await page.getByTestId('recipe-select').selectOption('quick');
  await page.getByTestId('backend-select').selectOption('wasm');

  // The builder's ResNet-20 has no bottleneck blocks: the form says why it cannot be a template.
  const form = page.getByTestId('study-form');
  await form.getByTestId('study-template').selectOption('builder');
  await expect(form.getByTestId('study-template-issues')).toContainText('no bottleneck blocks');
  await expect(form.getByTestId('study-queue')).toBeDisabled();
  await form.screenshot({ path: 'test-results/study-no-bottleneck.png' });

  // The form: a tiny ResNeXt at C = 1 and 2, equal complexity, one short epoch each.
  await form.getByTestId('study-template').selectOption('resnext11_4x16d');
  await form.getByTestId('study-c-4').uncheck();
  await form.getByTestId('study-c-8').uncheck();
  await expect(form.getByTestId('study-keep-complexity')).toBeChecked();
  await form.getByTestId('study-epochs').fill('1');
  // 64 images in batches of 16: four steps per arm, time to pause in the middle of the first.
  await form.getByTestId('study-batch').fill('16');
  await form.getByTestId('study-limit').fill('64');

  // Before training: the plan says both arms have about the same size.
  const plan = form.getByTestId('study-plan').locator('tbody tr');
  await expect(plan).toHaveCount(2);
  await expect(plan.nth(0)).toHaveAttribute('data-c', '1');
  await expect(plan.nth(1)).toHaveAttribute('data-c', '2');
  within5Percent(await paramsOf(plan));

  await form.getByTestId('study-queue').click();
  const results = page.getByTestId('study-results');
  const items = results.getByTestId('queue-item');
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveAttribute('data-label', /^C = 1, d = /);

  // Pause while the first arm trains, reload: the queue is still there, and still paused.
  const firstArm = { testId: 'queue-item', nth: 0 };
  await clickOnceMatched(page, firstArm, /step [12]\/4/, 'queue-hold', 60_000);
  await expect(results.getByTestId('queue-summary')).toContainText('queue paused');
  await page.reload();
  await expect(items).toHaveCount(2);
  await expect(results.getByTestId('queue-summary')).toContainText('queue paused');
  await expect(items.nth(1)).toHaveAttribute('data-state', 'waiting');
  // Nothing trains while the queue is held (the backend is not kept across reloads).
  await page.getByTestId('backend-select').selectOption('wasm');
  await results.getByTestId('queue-release').click();
  for (const item of await items.all()) {
    await expect(item).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  }

  // Both curves, both table rows with about the same parameter count.
  for (const id of ['study-loss', 'study-accuracy']) {
    await expect(results.getByTestId(id).locator('.recharts-line.overlay-line')).toHaveCount(2);
  }
  const rows = results.getByTestId('study-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  within5Percent(await paramsOf(rows));
  await expect(rows.nth(0)).toHaveAttribute('data-state', 'done');
  await expect(results.getByTestId('study-acc-vs-c')).toHaveAttribute('data-bars', '2');
  await expect(results.getByTestId('study-step-vs-c')).toHaveAttribute('data-bars', '2');

  const csv = await download(page, results.getByTestId('study-csv'));
  expect(csv.name).toBe('cardinality-study.csv');
  const lines = csv.bytes.toString('utf8').trimEnd().split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^run_id,run,state,cardinality,d_per_stage,params,macs,/);
  const png = await download(page, results.getByTestId('study-step-vs-c').getByRole('button'));
  expect(png.name).toBe('study-step-vs-c.png');

  const panel = page.locator('#study-title').locator('..');
  await panel.screenshot({ path: 'test-results/study.png' });
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await panel.screenshot({ path: 'test-results/study-dark.png' });
  expect(errors).toEqual([]);
});
