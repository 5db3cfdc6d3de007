// The cardinality study's own defaults, with `auto` on this machine (WASM: SwiftShader's WebGPU
// is passed over), queue runs that learn: a short study, shortened to a few hundred real
// CIFAR-10 images, trains every arm with a falling loss, epoch after epoch (the Training panel's step-160 recipe
// made every arm's loss rise from 2.3 to 3.5–4.1 in ten steps). Also: a study queued while the
// queue is paused says so at the button and continues the queue.
import { expect, test, type Page } from '@playwright/test';
import { hasRealCifar10, importRealCifar10Subset, importSmallCifar10 } from './helpers';

interface StoredRun {
  runId: string;
  status: string;
  losses: { step: number; loss: number }[];
  epochs: { epoch: number; trainLoss: number }[];
  config: { recipe: { batchSize: number; schedule: { kind: string; maxLr?: number } } };
}

/** The run records the page keeps in IndexedDB. */
function storedRuns(page: Page): Promise<StoredRun[]> {
  return page.evaluate(
    () =>
      new Promise<StoredRun[]>((resolve, reject) => {
        const open = indexedDB.open('cardinal-runs');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('runs').objectStore('runs').getAll();
          all.onsuccess = () => resolve(all.result as StoredRun[]);
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

test('the study’s defaults on auto train arms whose loss falls', async ({ page }) => {
  test.skip(!hasRealCifar10(), 'needs the real CIFAR-10 archive in ../shared/data (absent here)');
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await importRealCifar10Subset(page, 320, 100);

  // The Training panel is left as it opens (step-160, backend auto): the study has its own recipe.
  await expect(page.getByTestId('backend-select')).toHaveValue('auto');
  await expect(page.getByTestId('backend-why')).toContainText('auto → wasm');
  await expect(page.getByTestId('backend-why')).toContainText('software adapter');
  const form = page.getByTestId('study-form');
  await expect(form.getByTestId('study-recipe')).toHaveValue('study');
  await expect(form.getByTestId('study-epochs')).toHaveValue('3');
  // Up to C = 8 on WASM: batch 16 fits every arm's memory; the peak rate follows the batch.
  await expect(form.getByTestId('study-batch')).toHaveValue('16');
  const note = form.getByTestId('study-recipe-note');
  await expect(note).toContainText('one-cycle rate peaking at 0.0125 = 0.1 × 16/128');
  await expect(note).toContainText('auto → wasm');
  await expect(form.getByTestId('study-takes')).toBeVisible();
  await form.screenshot({ path: 'test-results/study-defaults-form.png' });

  // Shortened for a CPU shared with other work: the smaller template, its smallest and largest
  // cardinality, 256 train images. The batch follows the arms' memory (32 fits both here) and
  // the rate follows the batch.
  await form.getByTestId('study-template').selectOption('resnext11_4x16d');
  await form.getByTestId('study-c-2').uncheck();
  await form.getByTestId('study-c-4').uncheck();
  await form.getByTestId('study-limit').fill('256');
  await expect(form.getByTestId('study-batch')).toHaveValue('32');
  await expect(note).toContainText('peaking at 0.025 = 0.1 × 32/128');
  await page.getByTestId('study-queue').click();
  const results = page.getByTestId('study-results');
  const items = results.getByTestId('queue-item');
  await expect(items).toHaveCount(2);

  // While an arm trains, the history shows it running, never interrupted.
  await expect(items.nth(0)).toContainText(/step \d+\/8/, { timeout: 180_000 });
  const history = page.getByTestId('run-history');
  await expect(history.locator('tr[data-status="running"]')).toHaveCount(1);
  await expect(history.locator('tr[data-status="interrupted"]')).toHaveCount(0);
  await expect(history.locator('tr[data-status="running"]')).toContainText('ResNet-11 1×');

  await expect(results.getByTestId('queue-summary')).toContainText('2 of 2 done', {
    timeout: 780_000,
  });
  await expect(history).toContainText(/ResNeXt-11 8×\d+d, 3 epochs, batch 32/);
  await results.screenshot({ path: 'test-results/study-defaults-results.png' });

  const runs = (await storedRuns(page)).filter((r) => r.status === 'done');
  expect(runs).toHaveLength(2);
  for (const run of runs) {
    expect(run.config.recipe.schedule).toMatchObject({ kind: 'onecycle', maxLr: 0.025 });
    const losses = run.losses.map((p) => p.loss);
    expect(losses).toHaveLength(24);
    // The epochs' mean training loss falls, and no step blows up.
    const perEpoch = run.epochs.map((e) => e.trainLoss);
    console.log(
      `${run.runId}: train loss per epoch ${perEpoch.map((l) => l.toFixed(3)).join(' → ')}`,
    );
    expect(perEpoch).toHaveLength(3);
    expect(perEpoch[1]).toBeLessThan(perEpoch[0]);
    expect(perEpoch[2]).toBeLessThan(perEpoch[1]);
    expect(Math.max(...losses)).toBeLessThan(3);
  }
  expect(errors).toEqual([]);
});

test('a study queued while the queue is paused says so at the button and continues the queue', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await importSmallCifar10(page, 64, 50);
  await page.getByTestId('backend-select').selectOption('wasm');
  const form = page.getByTestId('study-form');
  await form.getByTestId('study-template').selectOption('resnext11_4x16d');
  for (const c of [2, 4, 8]) await form.getByTestId(`study-c-${c}`).uncheck();
  await form.getByTestId('study-epochs').fill('1');
  await form.getByTestId('study-limit').fill('64');
  await form.getByTestId('study-queue').click();
  const results = page.getByTestId('study-results');
  await results.getByTestId('queue-hold').click();
  await expect(results.getByTestId('queue-summary')).toContainText('queue paused');

  // A second study while the queue is paused: the button and a note say it continues the queue.
  await form.getByTestId('study-c-2').check();
  await form.getByTestId('study-c-1').uncheck();
  await expect(form.getByTestId('study-queue')).toContainText('and continue the queue');
  await expect(form.getByTestId('study-queue-held')).toContainText(
    'queuing this study continues it',
  );
  await form.getByTestId('study-queue').click();
  await expect(page.getByTestId('queue-summary').first()).not.toContainText('queue paused');
  await expect(page.getByTestId('study-results').getByTestId('queue-summary')).toContainText(
    '1 of 1 done',
    { timeout: 90_000 },
  );
});
