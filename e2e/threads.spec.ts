import { expect, test } from '@playwright/test';

// The built app is cross-origin isolated (COOP/COEP from `vite preview`), so TF.js's WASM
// backend runs threaded: it must start (the minified build once hung here) with more than one
// thread and train, with Cardinal's conv and batch-norm programs split over helper threads too
// (the adapter line says so when they could not start).
test('WASM starts threaded in the built app and trains', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  const result = await page.evaluate(() =>
    window.cardinal!.bench('wasm', { preset: 'resnet8', batch: 8, steps: 2, warmup: 1 }),
  );
  expect(result.backend).toBe('wasm');
  expect(result.threads).toBeGreaterThan(1);
  expect(result.adapter).toMatch(/\d+ threads/);
  expect(result.adapter).not.toContain("Cardinal's kernels on one");
  expect(Number(result.imgPerSec)).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
