// Starts `vite` (what `npm start` runs: the dev server, not a build) as a child process, as a
// fresh clone would: `--force` throws away node_modules/.vite, so the dependency optimizer
// starts from nothing, which is when a late-discovered import reloads the page.
import { spawn, type ChildProcess } from 'node:child_process';

export interface DevServer {
  url: string;
  /** Everything the server printed so far (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

export const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? 5199);

export async function startDevServer(env: Record<string, string> = {}): Promise<DevServer> {
  const url = `http://127.0.0.1:${DEV_PORT}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      '--host',
      '127.0.0.1',
      '--port',
      String(DEV_PORT),
      '--strictPort',
      '--force',
    ],
    { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite exited early:\n${output}`);
    const up = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`vite did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, log: () => output, stop };
}

/** What Vite prints when its optimizer found new dependencies late and reloads the page. */
export const RELOAD_LINE = /reloading/i;
