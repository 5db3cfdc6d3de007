import { expect, test, type Page } from '@playwright/test';

const count = async (page: Page) =>
  Number((await page.getByTestId('param-count').textContent())!.replace(/,/g, ''));

test('the builder edits the spec by direct manipulation: cardinality, complexity, blocks, errors', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('param-count')).toHaveText('269,722');
  await expect(page.getByTestId('stage-card-1')).toBeVisible();
  await expect(page.locator('[data-shortcut="A"]')).toHaveCount(2); // layer2.0 and layer3.0
  // No layout jump: the diagram and the inspector keep their heights through every edit below.
  const heights = async () =>
    Promise.all(
      ['network-diagram', 'inspector'].map(
        async (id) => (await page.getByTestId(id).boundingBox())!.height,
      ),
    );
  const steady = await heights();

  await page.getByTestId('preset-select').selectOption('resnext29_8x64d');
  await expect(page.getByTestId('param-count')).not.toHaveText('269,722');
  const base = await count(page);
  expect(base).toBeGreaterThan(34e6);
  expect(base).toBeLessThan(35e6);

  // Stages are selectable by keyboard (focus + Enter) and by clicking.
  await page.getByTestId('stage-card-2').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('stage-card-2')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('inspector')).toContainText('Stage 2');
  await page.getByTestId('stage-card-1').click();
  await expect(page.getByTestId('stage-card-1')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('stage-card-2')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('cardinality-value')).toHaveText('C = 8');
  await expect(page.getByTestId('d-value')).toHaveText('d = 64 per path');
  await expect(
    page.getByTestId('stage-card-1').locator('[data-testid="lanes"]').first(),
  ).toHaveAttribute('data-lanes', '8');

  // The slider steps through the valid cardinalities (the divisors of the width 512).
  const slider = page.getByTestId('cardinality-slider');
  const before = page.url();
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('cardinality-value')).toHaveText('C = 16');
  await expect(page.getByTestId('d-value')).toHaveText('d = 32 per path');
  await expect(page.getByTestId('param-count')).not.toHaveText(base.toLocaleString('en-US'));
  const widthKept = await count(page);
  expect(widthKept).toBeLessThan(base); // the grouped conv has half the weights
  expect(page.url()).not.toBe(before);
  await expect(page.getByTestId('preset-select')).toHaveValue('');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('param-count')).toHaveText(base.toLocaleString('en-US'));

  // Keep complexity fixed: the same move re-solves the width, so d changes and params stay.
  await page.getByTestId('keep-complexity').check();
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('cardinality-value')).toHaveText('C = 16');
  await expect(page.getByTestId('d-value')).not.toHaveText('d = 32 per path');
  await expect(page.getByTestId('d-value')).not.toHaveText('d = 64 per path');
  await expect(page.getByTestId('param-count')).not.toHaveText(widthKept.toLocaleString('en-US'));
  const solved = await count(page);
  expect(Math.abs(solved - base) / base).toBeLessThan(0.05);
  expect(Math.abs(solved - base)).toBeLessThan(Math.abs(widthKept - base));
  expect(await heights()).toEqual(steady);
  // All the way to C = 512: d = 1 or 2, the complexity still about the template's.
  await page.keyboard.press('End');
  await expect(page.getByTestId('cardinality-value')).toHaveText('C = 512');
  await expect(page.getByTestId('d-value')).toHaveText(/^d = [12] per path$/);
  expect(Math.abs((await count(page)) - base) / base).toBeLessThan(0.05);
  await page.keyboard.press('Home');
  await expect(page.getByTestId('cardinality-value')).toHaveText('C = 1');
  await page.getByTestId('keep-complexity').uncheck();
  await page.getByTestId('preset-select').selectOption('resnext29_8x64d');
  await expect(page.getByTestId('param-count')).toHaveText(base.toLocaleString('en-US'));
  await expect(page.getByTestId('stage-card-1')).toHaveAttribute('aria-pressed', 'true');

  // Blocks with + and −: the counts and the stage table follow.
  await page.getByTestId('blocks-plus').click();
  await expect(page.getByTestId('blocks-value')).toHaveText('4');
  await expect(page.getByTestId('stage-table')).toContainText('4 × bottleneck');
  expect(await count(page)).toBeGreaterThan(base);
  await page.getByTestId('blocks-minus').click();
  await page.getByTestId('blocks-minus').click();
  await expect(page.getByTestId('blocks-value')).toHaveText('2');
  await expect(page.getByTestId('stage-table')).toContainText('2 × bottleneck');
  expect(await count(page)).toBeLessThan(base);

  // An invalid width can be typed; the error shows at the stage and Train says why it is off.
  const width = page.getByTestId('bottleneck-width-input');
  const validUrl = page.url();
  await width.fill('100');
  const stageError = page.getByTestId('stage-error-1');
  await expect(stageError).toContainText('bottleneck width 100 is not divisible by cardinality 8');
  await expect(page.getByTestId('stage-card-1')).toHaveAttribute('data-invalid', 'true');
  await expect(page.getByTestId('stage-card-2')).toHaveAttribute('data-invalid', 'false');
  await expect(page.getByTestId('bottleneck-width-input')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('stage-problems')).toContainText('not divisible');
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('train-blocker')).toContainText(
    'bottleneck width 100 is not divisible by cardinality 8',
  );
  expect(page.url()).toBe(validUrl); // an invalid spec is not written into the link
  expect(await heights()).toEqual(steady);
  await page.screenshot({ path: 'test-results/builder-invalid.png' });

  await width.fill('128');
  await expect(stageError).toHaveCount(0);
  await expect(page.getByTestId('stage-card-1')).toHaveAttribute('data-invalid', 'false');
  // Valid again; no data cached, but the lab's server fetches it on the first Train.
  await expect(page.getByTestId('train-blocker')).toHaveCount(0);
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await expect(page.getByTestId('d-value')).toHaveText('d = 16 per path');
  expect(page.url()).not.toBe(validUrl);

  const architecture = page.getByRole('region', { name: 'Architecture' });
  await architecture.screenshot({ path: 'test-results/builder.png' });
  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await architecture.screenshot({ path: 'test-results/builder-dark.png' });
  await page.getByRole('button', { name: /switch to light theme/ }).click();
  expect(errors).toEqual([]);
});

test('large and plain networks: collapsed stages, shortcut styles, stages added and removed', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const picker = page.getByTestId('preset-select');

  // resnet152: stage 3 (36 blocks) is its first block + one card standing for the other 35.
  await picker.selectOption('resnet152');
  const stage3 = page.getByTestId('stage-card-3');
  await expect(stage3.getByTestId('block-card')).toHaveCount(2);
  await expect(stage3.locator('[data-repeat="35"]')).toHaveCount(1);
  await expect(stage3).toContainText('× 35');
  await expect(page.locator('[data-shortcut="B"]')).toHaveCount(4); // every stage's first block
  await page.getByRole('region', { name: 'Architecture' }).screenshot({
    path: 'test-results/builder-resnet152.png',
  });

  await picker.selectOption('resnet1202');
  await expect(page.locator('[data-testid="block-card"]')).toHaveCount(6);
  await expect(page.getByTestId('stage-card-1')).toContainText('× 199');

  // A plain network has no shortcuts at all; the switch puts them back.
  await picker.selectOption('plain20');
  await expect(page.getByTestId('shortcut')).toHaveCount(0);
  await expect(page.getByTestId('residual-switch')).not.toBeChecked();
  await page.getByTestId('residual-switch').check();
  await expect(picker).toHaveValue('resnet20');
  await expect(page.getByTestId('shortcut')).toHaveCount(6);

  // The blog's net projects with 3×3 convs.
  await picker.selectOption('notebook_cifar100_resnet');
  await expect(page.locator('[data-shortcut="conv3x3"]')).toHaveCount(3);

  // Add a stage after stage 3 and remove it again.
  await picker.selectOption('resnet20');
  await page.getByTestId('stage-card-3').click();
  await page.getByTestId('add-stage').click();
  await expect(page.getByTestId('stage-card-4')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('stage-table')).toContainText('layer4');
  await page.getByTestId('remove-stage').click();
  await expect(page.getByTestId('stage-card-4')).toHaveCount(0);
  await expect(picker).toHaveValue('resnet20');

  // A shape error elsewhere than in a stage is listed under the diagram.
  await page.getByTestId('head-pool').selectOption('max4');
  await page.getByTestId('stem-kind').selectOption('imagenet');
  await expect(page.getByTestId('network-issues')).toContainText('4×4 max-pool head');
  await expect(page.getByTestId('train-button')).toBeDisabled();
  expect(errors).toEqual([]);
});
