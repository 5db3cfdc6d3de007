import { expect, test } from '@playwright/test';

test('choosing a preset shows its exact PyTorch counts and puts the experiment in the URL', async ({
  page,
}) => {
  await page.goto('/');
  const picker = page.getByTestId('preset-select');
  await expect(picker).toHaveValue('resnet20');
  await expect(page.getByTestId('param-count')).toHaveText('269,722');
  await expect(page.getByTestId('macs-count')).toHaveText('40,551,040');

  // The output layer follows the dataset: ResNet-20 for CIFAR-100 has 275,572 parameters.
  await page.getByTestId('dataset-select').selectOption('cifar100');
  await expect(page.getByTestId('param-count')).toHaveText('275,572');
  await expect(picker).toHaveValue('resnet20');
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await expect(page.getByTestId('param-count')).toHaveText('269,722');

  await picker.selectOption('resnet56');
  await expect(page.getByTestId('param-count')).toHaveText('853,018');
  const link = page.url();
  expect(link).toContain('#');

  // The link alone reproduces the experiment in a fresh page.
  const other = await page.context().newPage();
  await other.goto(link);
  await expect(other.getByTestId('preset-select')).toHaveValue('resnet56');
  await expect(other.getByTestId('param-count')).toHaveText('853,018');

  // Large networks stay readable: stages are collapsed until opened.
  await picker.selectOption('resnext29_8x64d');
  const table = page.getByTestId('stage-table');
  await expect(table.getByText('layer1.2')).toHaveCount(0);
  await table.getByRole('button', { name: /layer1/ }).click();
  await expect(table.getByText('layer1.2')).toBeVisible();
  await page.screenshot({ path: 'test-results/architecture.png', fullPage: true });
});

test('a malformed or hostile link shows what was wrong and falls back to the default', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  for (const fragment of ['not-base64!!', 'eyJfX3Byb3RvX18iOnt9fQ', 'A'.repeat(40_000)]) {
    await page.goto(`/#${fragment}`);
    await expect(page.getByTestId('error-banner')).toBeVisible();
    await expect(page.getByTestId('param-count')).toHaveText('269,722');
  }
  expect(errors).toEqual([]);
});
