import { defineConfig } from '@playwright/test';
import { sharedConfig } from './e2e/chromium';
import { DEV_PORT } from './e2e/dev/devServer';

// Tests of `npm start` itself (the Vite dev server, with its dependency optimizer and the data
// plugin), which the built app's tests cannot see. Each test starts its own dev server (they
// need different data sources), so there is no webServer here. E2E_DEV_PORT picks the port.
export default defineConfig({
  ...sharedConfig(DEV_PORT),
  testDir: 'e2e/dev',
  outputDir: process.env.E2E_OUT ?? 'test-results/dev-artifacts',
  timeout: 300_000,
});
