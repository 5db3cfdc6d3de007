// The page at 1280 px, light and dark, and in presenter mode: the ResNet-20 diagram fits (a wider
// network says it scrolls), presenter mode's sticky header leaves the Learn heading in view, the
// Learn demo's text follows its "shorten" fields, and why `auto` picked its backend is on the
// Training panel. The screenshots are kept in test-results/ for a person to look at.
import { expect, test } from '@playwright/test';

test('at 1280 px the diagram fits or says it scrolls; Learn text follows the shortening', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  const diagram = page.getByTestId('network-diagram');
  const scroller = page.getByTestId('diagram-scroll');
  await expect(diagram).toBeVisible();
  // ResNet-20: scaled to the panel, nothing hidden (no sideways scroll), the head drawn.
  await expect(page.getByTestId('diagram-more')).toHaveCount(0);
  expect(Number(await scroller.getAttribute('data-scale'))).toBeLessThanOrEqual(1);
  const overflow = await scroller.evaluate((box) => box.scrollWidth - box.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  // The head card (the last thing drawn) lies inside the box, not past its right edge.
  const head = await diagram.getByText('avg pool').boundingBox();
  const box = await scroller.boundingBox();
  expect(head!.x + head!.width).toBeLessThanOrEqual(box!.x + box!.width);

  // Learn: the shortened demo's text and estimate, not the demo's own size.
  const plan = page.getByTestId('learn-plan');
  await expect(plan).toContainText('3 epochs each · the first 10,000');
  const before = await plan.locator('.learn-takes').textContent();
  await page.getByTestId('learn-limit').fill('256');
  await page.getByTestId('learn-epochs').fill('1');
  await expect(plan).toContainText('1 epoch each · the first 256 CIFAR-10 training images');
  await expect(plan.locator('.learn-takes')).not.toHaveText(before!);

  // Why auto picked what it picked, on the panel.
  await expect(page.getByTestId('backend-why')).toContainText(/auto → \w+/);
  await page.screenshot({ path: 'test-results/layout-1280-light.png', fullPage: true });

  await page.getByRole('button', { name: /switch to dark theme/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: 'test-results/layout-1280-dark.png', fullPage: true });
  await page.getByRole('button', { name: /switch to light theme/ }).click();

  // A four-stage network is too wide to shrink legibly: it scrolls, and says so.
  await page.getByTestId('preset-select').selectOption('resnet50');
  await expect(page.getByTestId('diagram-more')).toContainText('scroll the diagram sideways');
  const before50 = await scroller.evaluate((box) => box.scrollLeft);
  await page.getByTestId('diagram-more').getByRole('button', { name: '▶' }).click();
  await expect.poll(() => scroller.evaluate((box) => box.scrollLeft)).toBeGreaterThan(before50);
  await diagram.screenshot({ path: 'test-results/layout-1280-resnet50-diagram.png' });
});

test('presenter mode: the sticky header leaves the Learn heading and text in view', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await page.getByTestId('present-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-presenting', 'on');
  const header = await page.locator('.app-header').boundingBox();
  const heading = await page.locator('#learn-title').boundingBox();
  const intro = await page.locator('.learn-intro').boundingBox();
  expect(heading!.y).toBeGreaterThanOrEqual(header!.y + header!.height);
  expect(intro!.y).toBeGreaterThanOrEqual(header!.y + header!.height);
  await page.screenshot({ path: 'test-results/layout-presenter.png' });
  await page.keyboard.press('Escape');
  await expect(page.locator('html')).not.toHaveAttribute('data-presenting', 'on');
});
