import { defineConfig } from '@playwright/test';
import { assertChromium, chromiumArgs, chromiumPath } from './e2e/chromium';
import { DEV_PORT } from './e2e/dev/devServer';

assertChromium();

// Tests of `npm start` itself (the Vite dev server, with its dependency optimizer and the data
// plugin), which the built app's tests cannot see. Each test starts its own dev server (they
// need different data sources), so there is no webServer here. E2E_DEV_PORT picks the port.
export default defineConfig({
  testDir: 'e2e/dev',
  outputDir: process.env.E2E_OUT ?? 'test-results/dev-artifacts',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${DEV_PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    storageState: {
      cookies: [],
      origins: [
        {
          origin: `http://127.0.0.1:${DEV_PORT}`,
          localStorage: [{ name: 'cardinal.tour', value: 'done' }],
        },
      ],
    },
  },
});
