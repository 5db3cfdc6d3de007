// How the e2e tests launch Debian's Chromium (Playwright cannot download browsers here).
// The flags are those of ../shared/chromium-flags.txt: without the networking ones the
// closed network makes Chromium slow and noisy; --enable-unsafe-webgpu gives WebGPU a
// (SwiftShader) adapter. Playwright adds --headless and a fresh --user-data-dir itself.
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

export function assertChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}. Install Debian's (apt-get install -y chromium) ` +
        'or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
}

/**
 * The settings both Playwright configs share (the built app's and the dev server's): the
 * shared settings and Chromium for an app served at `port`, with the first-visit tour marked
 * done (it would greet every test; e2e/tour.spec.ts starts without this).
 */
export function sharedConfig(port: number) {
  assertChromium();
  return {
    expect: { timeout: 30_000 },
    fullyParallel: false,
    workers: 1,
    retries: 0,
    reporter: [['list']] as [string][],
    use: {
      baseURL: `http://127.0.0.1:${port}`,
      browserName: 'chromium' as const,
      launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
      viewport: { width: 1280, height: 900 },
      trace: 'retain-on-failure' as const,
      storageState: {
        cookies: [],
        origins: [
          {
            origin: `http://127.0.0.1:${port}`,
            localStorage: [{ name: 'cardinal.tour', value: 'done' }],
          },
        ],
      },
    },
  };
}
