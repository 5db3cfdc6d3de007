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

// Our programs split each conv's images between threads, and each thread sums its own share of
// a filter gradient: the losses of a few steps must match a single-threaded page's.
test('threaded training computes what one thread computes', async ({ browser }) => {
  const losses = async (threads: number) => {
    const page = await browser.newPage();
    await page.goto('/');
    const request = { preset: 'resnet8', batch: 8, steps: 3, warmup: 1, threads };
    const result = await page.evaluate((r) => window.cardinal!.bench('wasm', r), request);
    await page.close();
    expect(result.threads).toBe(threads);
    return result.losses as number[];
  };
  const one = await losses(1);
  const two = await losses(2);
  expect(one).toHaveLength(4);
  two.forEach((loss, i) => expect(loss).toBeCloseTo(one[i], 4));
  // The network learns the fixed batch: not a constant that would match by accident.
  expect(one[3]).toBeLessThan(one[0]);
});
