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
