import { expect, test } from '@playwright/test';

test('the page renders the app shell and finds the TF.js backends, WebGPU among them', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/');
  await expect(page.getByTestId('app-shell')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Cardinal', exact: true })).toBeVisible();

  const badges = page.getByTestId('backends');
  await expect(badges.locator('[data-backend]')).toHaveCount(4);
  const report = await badges.locator('[data-backend]').evaluateAll((nodes) =>
    nodes.map((n) => ({
      name: n.getAttribute('data-backend'),
      available: n.getAttribute('data-available') === 'true',
      detail: n.getAttribute('title'),
    })),
  );
  console.log('backends offered:', JSON.stringify(report));
  const available = (name: string) => report.find((b) => b.name === name)?.available;
  expect(available('webgpu'), 'WebGPU adapter with --enable-unsafe-webgpu').toBe(true);
  expect(available('wasm')).toBe(true);
  expect(available('cpu')).toBe(true);

  await page.screenshot({ path: 'test-results/shell.png', fullPage: true });
  expect(errors).toEqual([]);
});
