// `npm run bench -- --vs-pytorch`: the same network (Cardinal's own PyTorch export of it, so
// the same layers and parameter count) and batch timed in PyTorch on the CPU with as many
// threads as our run used, in the same run, and the ratio of the two img/s.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pytorchModelSource } from '../../src/engine/export/pytorchModel';
import { PRESETS } from '../../src/spec/index';
import type { BenchRequest } from '../../src/engine/bench';

const SCRIPT = fileURLToPath(new URL('../bench-torch.py', import.meta.url));

export interface TorchBench {
  torch: string;
  threads: number;
  msPerStep: number;
  imgPerSec: number;
  stepsMs: number[];
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** PyTorch's figures for the request's preset and batch, or why they could not be measured. */
export async function benchPytorch(
  request: BenchRequest,
  threads: number,
  // Debian's python3-torch lives in /usr/bin/python3 (a pyenv python3 on PATH may lack it).
  python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'),
): Promise<TorchBench | { skipped: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cardinal-torch-'));
  try {
    await writeFile(join(dir, 'model.py'), pytorchModelSource(PRESETS[request.preset!].spec));
    const { batch, steps, warmup } = request;
    const args = [SCRIPT, dir, String(batch), String(steps), String(warmup), String(threads)];
    return JSON.parse(await run(python, args)) as TorchBench;
  } catch (error) {
    return { skipped: `PyTorch could not be timed: ${(error as Error).message}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
