import { expect, test } from '@playwright/test';
import { importSmallCifar10 } from './helpers';

// A backend that dies mid-run (here: a WASM abort injected through the worker protocol's test
// hook) must not need a reload: the page replaces the worker, the run resumes from its last
// checkpoint by itself, and the queue goes on to its next arm.
test('a WASM abort mid-study: the run resumes from its checkpoint and the queue carries on', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importSmallCifar10(page, 32, 32);
  await page.getByTestId('recipe-select').selectOption('quick');
  await page.getByTestId('backend-select').selectOption('wasm');

  const form = page.getByTestId('study-form');
  await form.getByTestId('study-template').selectOption('resnext11_4x16d');
  await form.getByTestId('study-c-4').uncheck();
  await form.getByTestId('study-c-8').uncheck();
  // Two epochs of two steps per arm: the abort comes in epoch 2, after epoch 1's checkpoint.
  await form.getByTestId('study-epochs').fill('2');
  await form.getByTestId('study-batch').fill('16');
  await form.getByTestId('study-limit').fill('32');

  // The fault waits in the page's worker for the next run: its 4th step aborts.
  await page.evaluate(() => window.cardinal!.injectFault('wasm-abort', 3));
  await form.getByTestId('study-queue').click();
  const results = page.getByTestId('study-results');
  const items = results.getByTestId('queue-item');
  await expect(items).toHaveCount(2);

  const note = page.getByTestId('recovery-note');
  await expect(note).toContainText('worker was replaced', { timeout: 90_000 });
  await expect(note).toContainText('epoch-1 checkpoint');
  await expect(note).toContainText('out of memory');
  await page.screenshot({ path: 'test-results/recovery-note.png' });

  for (const item of await items.all()) {
    await expect(item).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  }
  // The resumed arm trained both epochs: its table row has a final accuracy.
  const rows = results.getByTestId('study-table').locator('tbody tr');
  await expect(rows.nth(0)).toHaveAttribute('data-state', 'done');
  expect(errors).toEqual([]);
});
