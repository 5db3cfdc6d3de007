import { defineConfig } from '@playwright/test';
import { sharedConfig } from './e2e/chromium';

// The tests run against the built app (`vite build` runs first in `npm run test:e2e`), because
// the minified build is what users get and where WASM threading bugs show up.
// E2E_PORT / E2E_DIST / E2E_OUT let two checkouts (or two people in one) test side by side.
const port = Number(process.env.E2E_PORT ?? 4173);
const dist = process.env.E2E_DIST ?? 'dist';

export default defineConfig({
  ...sharedConfig(port),
  testDir: 'e2e',
  // e2e/dev: tests of the dev server itself, each starting its own (playwright.dev.config.ts).
  testIgnore: 'dev/**',
  outputDir: process.env.E2E_OUT ?? 'test-results/artifacts',
  timeout: 120_000,
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort --outDir ${dist}`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
