// One run of the built app in headless Chromium, for a script (train.ts, bench.ts): a private
// build in a temporary folder, served on 127.0.0.1, opened in Chromium with a fresh profile,
// and — whatever happens — everything closed and removed afterwards. It also owns the
// script's signals: during setup a Ctrl-C quits (status 130); once the script says how to stop
// its work (running(stop)), the first Ctrl-C asks it to stop and a second one quits.
// SIGTERM and SIGHUP quit at once (status 143).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import type {} from '../../src/worker/automation'; // window.cardinal's type
import { buildApp, launchChromium, serveApp, type AppServer } from './browser';
import { secondsSince } from './cli';

/** Two SIGINTs this close together are one Ctrl-C delivered twice (npx relays it as well). */
const SIGINT_ECHO_MS = 300;

/** A failure after setup began: exit status 1, with a code (train's --json prints it). */
export class RunFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SessionOptions {
  /** Names the temporary folder (cardinal-<name>-XXXXXX). */
  name: string;
  log: (line: string) => void;
  /** Served at /data/; without it every /data/ request is a 404 (no dataset needed). */
  dataDir?: string;
  browserArgs: string[];
  /** Every console message of the page, not only errors. */
  verbose: boolean;
}

export class BrowserSession {
  readonly started = performance.now();
  buildSeconds = 0;
  /** From Chromium's launch to window.cardinal being there. */
  browserSeconds = 0;
  /** A signal made the script quit: whatever fails after that is its doing, not an error. */
  interrupted = false;
  /** Rejects with a RunFailure ('browser') when the page crashes or the browser closes. */
  readonly crash: Promise<never>;
  private crashed: (reason: RunFailure) => void = () => {};
  private context: BrowserContext | null = null;
  private server: AppServer | null = null;
  private page: Page | null = null;
  private phase: 'setup' | 'running' | 'stopping' | 'done' = 'setup';
  private stop: (() => void) | null = null;
  private firstSigint = 0;
  private launchStart = 0;
  private cleaning: Promise<void> | null = null;

  /** Makes the temporary folder and takes over SIGINT, SIGTERM and SIGHUP until close(). */
  static async create(options: SessionOptions): Promise<BrowserSession> {
    const work = await mkdtemp(join(tmpdir(), `cardinal-${options.name}-`));
    return new BrowserSession(options, work);
  }

  private constructor(
    private readonly options: SessionOptions,
    private readonly work: string,
  ) {
    this.crash = new Promise<never>((_, reject) => (this.crashed = reject));
    this.crash.catch(() => {});
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigterm);
    process.on('SIGHUP', this.onSigterm);
  }

  /** Builds and serves the app and opens a blank page in Chromium (see load()). */
  async launch(): Promise<Page> {
    const { log, browserArgs, verbose } = this.options;
    const appDir = join(this.work, 'app');
    this.buildSeconds = await buildApp(appDir);
    log(`built the app in ${this.buildSeconds.toFixed(1)} s`);
    this.server = await serveApp({
      appDir,
      dataDir: this.options.dataDir ?? join(this.work, 'no-data'),
    });
    this.launchStart = performance.now();
    try {
      this.context = await launchChromium(join(this.work, 'profile'), browserArgs);
    } catch (error) {
      throw new RunFailure('browser', `cannot start Chromium: ${(error as Error).message}`);
    }
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page = page;
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    page.on('console', (m) => {
      // The Data panel's HEAD requests for datasets the server lacks log 404s: noise here.
      const noise = m.text().startsWith('Failed to load resource');
      if (verbose || (m.type() === 'error' && !noise)) log(`[console.${m.type()}] ${m.text()}`);
    });
    page.on('crash', () => this.crashed(new RunFailure('browser', 'the page crashed')));
    this.context.on('close', () => this.crashed(new RunFailure('browser', 'the browser closed')));
    return page;
  }

  /** Opens the app (after launch(), and after exposing functions to it) and waits for it. */
  async load(): Promise<void> {
    const page = this.page!;
    await page.goto(this.server!.url);
    await page.waitForFunction(() => window.cardinal?.version === 1);
    this.browserSeconds = secondsSince(this.launchStart);
  }

  /** "chromium 131.0.6778.204": the browser's own version, over the DevTools protocol. */
  async runtime(): Promise<string> {
    const cdp = await this.context!.newCDPSession(this.page!);
    const { product } = await cdp.send('Browser.getVersion');
    await cdp.detach().catch(() => {});
    return `chromium ${product.slice(product.indexOf('/') + 1)}`;
  }

  /** The work has begun: from now on a Ctrl-C calls stop (once), and a second one quits. */
  running(stop: () => void): void {
    this.stop = stop;
    this.phase = 'running';
  }

  /** The work is over (signals no longer stop or quit it); true if a Ctrl-C asked it to stop. */
  finish(): boolean {
    const stopped = this.phase === 'stopping';
    this.phase = 'done';
    return stopped;
  }

  /** Closes the browser and the server, removes the temporary folder, gives the signals back. */
  async close(): Promise<void> {
    this.phase = 'done';
    await this.cleanup();
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
    process.off('SIGHUP', this.onSigterm);
  }

  private cleanup() {
    return (this.cleaning ??= (async () => {
      await this.context?.close().catch(() => {});
      await this.server?.close().catch(() => {});
      await rm(this.work, { recursive: true, force: true }).catch(() => {});
    })());
  }

  private quitNow(status: number) {
    this.interrupted = true;
    this.options.log(
      this.phase === 'setup' ? 'interrupted' : 'quitting without waiting for the run to stop',
    );
    void this.cleanup().finally(() => process.exit(status));
  }

  private readonly onSigint = () => {
    const { phase } = this;
    if (phase === 'stopping' && performance.now() - this.firstSigint < SIGINT_ECHO_MS) return;
    if (phase === 'running' && this.stop) {
      this.phase = 'stopping';
      this.firstSigint = performance.now();
      this.options.log('\nstopping after the current step… (Ctrl-C again quits at once)');
      this.stop();
    } else if (phase !== 'done') this.quitNow(130);
  };

  private readonly onSigterm = () => this.quitNow(143);
}
