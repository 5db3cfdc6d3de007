import { expect, test } from '@playwright/test';

// A first visit: no "tour done" mark in localStorage (playwright.config.ts sets one for the
// other tests).
test.use({ storageState: { cookies: [], origins: [] } });

test('the tour greets a first visit, walks the page, and stays away once skipped', async ({
  page,
}) => {
  await page.goto('/');
  const tour = page.getByTestId('tour');
  await expect(tour).toContainText('Welcome to Cardinal');
  const count = await tour.getByTestId('tour-count').textContent();
  const total = Number(count!.split('/')[1]);
  expect(total).toBeGreaterThanOrEqual(7);

  // Each step outlines the panel it explains; the page stays usable under the card.
  await tour.getByTestId('tour-next').click();
  await expect(tour).toContainText('Learn');
  await expect(page.locator('section.tour-target #learn-title')).toHaveCount(1);
  await tour.getByTestId('tour-next').click();
  await expect(page.locator('section.tour-target #architecture-title')).toHaveCount(1);
  await page.getByTestId('preset-select').selectOption('resnet20');
  await page.screenshot({ path: 'test-results/tour.png' });
  await tour.getByTestId('tour-back').click();
  await expect(tour.getByTestId('tour-count')).toHaveText(`2 / ${total}`);

  await tour.getByTestId('tour-skip').click();
  await expect(tour).toHaveCount(0);
  await expect(page.locator('.tour-target')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('app-shell')).toBeVisible();
  await expect(page.getByTestId('tour')).toHaveCount(0);

  // The header's Tour button brings it back; the last step closes it.
  await page.getByTestId('tour-start').click();
  for (let i = 1; i < total; i++) await tour.getByTestId('tour-next').click();
  await expect(tour).toContainText('Presenter mode');
  await expect(page.locator('#present-toggle.tour-target')).toHaveCount(1);
  await tour.getByTestId('tour-next').click();
  await expect(tour).toHaveCount(0);
});

test('presenter mode keeps only the demos, large, and Escape leaves it', async ({ page }) => {
  await page.goto('/');
  const architecture = page.locator('section', { has: page.locator('#architecture-title') });
  const learn = page.locator('section', { has: page.locator('#learn-title') });
  await expect(architecture).toBeVisible();
  const normalSize = await learn.locator('h2').evaluate((h) => h.getBoundingClientRect().height);

  await page.getByTestId('present-toggle').click();
  await expect(architecture).toBeHidden();
  await expect(page.getByTestId('run-history')).toBeHidden();
  await expect(page.getByTestId('learn-run')).toBeVisible();
  await expect(page.getByTestId('learn-demo-degradation')).toBeVisible();
  const bigSize = await learn.locator('h2').evaluate((h) => h.getBoundingClientRect().height);
  expect(bigSize).toBeGreaterThan(normalSize * 1.2);
  await page.screenshot({ path: 'test-results/presenter.png' });

  await page.keyboard.press('Escape');
  await expect(architecture).toBeVisible();
  await expect(page.getByTestId('present-toggle')).toHaveText('Present');
});
