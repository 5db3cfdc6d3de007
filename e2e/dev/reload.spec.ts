import { expect, test } from '@playwright/test';
import { configureRun, importSmallCifar10 } from '../helpers';
import { RELOAD_LINE, startDevServer, type DevServer } from './devServer';

let server: DevServer;
test.beforeAll(async () => {
  server = await startDevServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('on the dev server, with a fresh optimizer cache, the first Train click does not reload the page', async ({
  page,
}) => {
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto('/');
  await importSmallCifar10(page, 128, 50);
  await configureRun(page, { preset: 'resnet8', epochs: 1, batch: 32, backend: 'wasm' });
  await page.getByTestId('limit-select').selectOption('1000');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });
  await page.screenshot({ path: 'test-results/dev-first-run.png', fullPage: true });
  expect(server.log()).not.toMatch(RELOAD_LINE);
  expect(loads).toBe(1);
  // A reload would have reset this (it is not in the URL).
  await expect(page.getByTestId('limit-select')).toHaveValue('1000');
  await expect(page.getByTestId('run-history').locator('tr[data-status="done"]')).toHaveCount(1);
});
