// What a script needs to run the real app in headless Chromium: a private production build,
// a static server for it with /data served from any folder, and Debian's Chromium launched with
// the flags of e2e/chromium.ts and a fresh profile. Used by scripts/train.ts.
//
// Why not `vite build` into dist/ and `vite preview`: a build copies public/ (≈ 240 MB of CIFAR
// shards) into dist/ and freezes the data of that moment; a script's build in dist/ races the
// e2e tests' own `vite build`; and an in-process `vite preview` installs SIGTERM and stdin-end
// handlers that call process.exit(), which would skip closing the browser. So: `vite build`
// (the project's vite.config.ts) into a temporary folder without public/data (≈ 1.5 s here),
// and a ~40-line server on 127.0.0.1 at a port the OS picks (no free-port race). Like the
// project's preview server it sends the COOP/COEP headers, so WASM runs threaded.

import { createReadStream } from 'node:fs';
import { cp, readdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from '@playwright/test';
import { assertChromium, chromiumArgs, chromiumPath } from '../../e2e/chromium';
import { CROSS_ORIGIN_ISOLATION } from '../vite/wasmThreads';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the app (production mode, as users get it) into outDir; resolves to seconds taken. */
export async function buildApp(outDir: string): Promise<number> {
  const started = performance.now();
  const { build } = await import('vite');
  await build({
    root: REPO_ROOT,
    logLevel: 'warn', // info lines would go to stdout, which --json keeps for JSON only
    build: {
      outDir,
      emptyOutDir: true,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: { checks: { bundlerTimings: false } }, // no "[PLUGIN_TIMINGS]" notes
    },
  });
  // public/ minus the datasets (served from the data folder instead).
  const publicDir = join(REPO_ROOT, 'public');
  for (const entry of await readdir(publicDir).catch(() => [])) {
    if (entry !== 'data')
      await cp(join(publicDir, entry), join(outDir, entry), { recursive: true });
  }
  return (performance.now() - started) / 1000;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

export interface AppServer {
  /** e.g. http://127.0.0.1:41233 */
  url: string;
  close(): Promise<void>;
}

/** Serves appDir at / and dataDir at /data/ (GET and HEAD only), on 127.0.0.1. */
export async function serveApp(options: { appDir: string; dataDir: string }): Promise<AppServer> {
  const appDir = resolve(options.appDir);
  const dataDir = resolve(options.dataDir);
  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const isData = path === '/data' || path.startsWith('/data/');
    const root = isData ? dataDir : appDir;
    const rest = isData ? path.slice('/data'.length) : path === '/' ? '/index.html' : path;
    const file = resolve(root, `.${rest}`);
    const size = file.startsWith(root + sep)
      ? await stat(file).then(
          (s) => (s.isFile() ? s.size : -1),
          () => -1,
        )
      : -1;
    if (size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
      ...CROSS_ORIGIN_ISOLATION,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Debian's Chromium, headless, with a fresh profile in profileDir (delete it afterwards).
 * Playwright's own signal handlers are off: the script decides how a Ctrl-C ends a run.
 */
export async function launchChromium(
  profileDir: string,
  extraArgs: string[] = [],
): Promise<BrowserContext> {
  assertChromium();
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    args: [...chromiumArgs, ...extraArgs],
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
