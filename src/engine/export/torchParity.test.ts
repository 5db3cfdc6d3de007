// Real PyTorch parity: a few training steps in Cardinal, export, then the generated model.py
// in PyTorch must load the weights with strict=True and give Cardinal's eval-mode logits.
// Needs Debian's python3-torch at /usr/bin/python3 (see .ci/run); skipped with a message
// without it. Training runs on the wasm backend (the cpu backend's conv gradients take ~15 s a
// step for ResNet-20); the logits are compared on the cpu backend, the reference one.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../spec/presets';
import { createRng, normal } from '../../spec/random';
import { presetRecipe } from '../../spec/recipes';
import type { ArchSpec, Recipe } from '../../spec/types';
import { CIFAR10_STATS } from '../augment';
import type { Model } from '../model';
import { initBackend } from '../setBackend';
import { blogLike, imagenetLike, plain8, resnet8 } from '../testSpecs';
import { createTrainer, type Batch } from '../train';
import { exportBundle } from './bundle';
import { pytorchModelSource } from './pytorchModel';
import { trainScriptSource } from './trainScript';
import { exportSafetensors, expectedTensors, importSafetensors, type ExportMeta } from './weights';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../scripts/torch-parity.py', import.meta.url));
const WASM_DIR = fileURLToPath(
  new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
);
const VERSION = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
  .version as string;

function python(args: string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync(PYTHON, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}` };
}

const hasPython = python(['-c', 'pass']).ok;
const hasTorch = hasPython && python(['-c', 'import torch']).ok;
if (!hasTorch) {
  console.warn(
    `torchParity.test.ts: PyTorch parity tests SKIPPED: \`${PYTHON} -c 'import torch'\` failed. ` +
      "Install Debian's python3-torch (apt-get install -y python3-torch) to run them.",
  );
}

const N = 3; // images compared per model
const recipe: Recipe = { ...presetRecipe('quick')!, batchSize: 4 };

function meta(dataset: ExportMeta['dataset'] = 'cifar10'): ExportMeta {
  return {
    dataset,
    recipe,
    epoch: 1,
    metrics: { accuracy: 12.5, split: 'test' },
    cardinalVersion: VERSION,
  };
}

/** n CIFAR-layout images with labels < classes, varied enough to move BN statistics. */
function batch(n: number, classes: number, seed: number): Batch {
  const rng = createRng(seed);
  const pixels = new Uint8Array(n * 3072).map(() => Math.floor(rng.next() * 256));
  const labels = new Uint8Array(n).map(() => Math.floor(rng.next() * classes));
  return { pixels, labels, size: n };
}

/** Fixed inputs, NCHW float32 as PyTorch takes them. */
function inputs(seed: number): Float32Array {
  const rng = createRng(seed);
  return new Float32Array(N * 3 * 32 * 32).map(() => normal(rng));
}

/**
 * Training-mode forwards without a gradient step (as torch.optim.swa_utils.update_bn): after
 * only 3 steps the running statistics are 27% of the way to the data's (momentum 0.1), and in
 * eval mode the blog net (no ReLU after the addition) then gives logits of ~5,000, where
 * float32 rounding alone differs by ~2e-3 between any two implementations. 20 more updates
 * bring them to 90%, and its logits to ~80 (the other nets' stay below ~5).
 */
const SETTLE = 20;
function settleBatchNorm(model: Model, passes: number): void {
  const rng = createRng(99);
  for (let k = 0; k < passes; k++) {
    const x = new Float32Array(4 * 32 * 32 * 3).map(() => normal(rng));
    tf.tidy(() => {
      model.forward(tf.tensor4d(x, [4, 32, 32, 3]), true);
    });
    model.applyBatchNormUpdates();
  }
}

let dir = '';
beforeAll(async () => {
  await initBackend('wasm', { wasmPaths: WASM_DIR });
  dir = mkdtempSync(join(tmpdir(), 'cardinal-parity-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const notebookResNeXt = () => presetSpec('notebook_resnext') as ArchSpec;

describe.skipIf(!hasTorch)('PyTorch parity of exported weights and model.py', () => {
  const cases: [string, () => ArchSpec][] = [
    ['resnet20', () => presetSpec('resnet20') as ArchSpec],
    ['notebook_resnext (C = 8)', notebookResNeXt],
    ['notebook_cifar100_resnet', () => presetSpec('notebook_cifar100_resnet') as ArchSpec],
    // Small nets for what the three above do not reach: the max4 head flattening 5×5
    // positions (C, H, W order) with conv biases, the ImageNet stem's max-pool, no shortcuts.
    ['blog-like (max4 over 5×5, biases)', blogLike],
    ['imagenet-stem', imagenetLike],
    ['plain8', plain8],
  ];
  it.each(cases)(
    '%s: eval logits match PyTorch within 1e-4',
    async (name, make) => {
      const spec = make();
      const started = Date.now();
      const trainer = createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 10 });
      try {
        for (let s = 0; s < 3; s++) await trainer.step(batch(4, spec.classes, 10 + s), 0, s);
        settleBatchNorm(trainer.model, SETTLE);
        const tracked = await trainer.model.buffers.get('bn1.num_batches_tracked')!.data();
        expect(tracked[0]).toBe(3 + SETTLE);

        await tf.setBackend('cpu');
        const x = inputs(7);
        const ours = tf.tidy(() =>
          trainer.model.forward(tf.tensor4d(x, [N, 3, 32, 32]).transpose([0, 2, 3, 1]), false),
        );
        const expected = (await ours.data()) as Float32Array;
        ours.dispose();

        const folder = join(dir, name.split(' ')[0]);
        mkdirSync(folder, { recursive: true });
        const m = meta(spec.classes === 100 ? 'cifar100' : 'cifar10');
        writeFileSync(
          join(folder, 'weights.safetensors'),
          await exportSafetensors(trainer.model, m),
        );
        writeFileSync(join(folder, 'model.py'), pytorchModelSource(spec));
        const stats = CIFAR10_STATS;
        const train = trainScriptSource({
          spec,
          recipe,
          dataset: m.dataset,
          stats,
          epoch: 1,
          cardinalVersion: VERSION,
        });
        writeFileSync(join(folder, 'train.py'), train);
        writeFileSync(join(folder, 'input.bin'), new Uint8Array(x.buffer));

        const run = python([SCRIPT, 'logits', folder, String(N)]);
        expect(run.ok, run.out).toBe(true);
        const report = JSON.parse(run.out.trim().split('\n').pop()!);
        // state_dict() order and dtypes are PyTorch's own and equal to ours.
        expect(report.keys).toEqual(expectedTensors(trainer.model.plan).map((t) => t.name));
        for (const [key, dtype] of Object.entries(report.dtypes)) {
          expect(key.endsWith('num_batches_tracked') && dtype === 'torch.int64', key).toBe(true);
        }
        const params = [...trainer.model.params.values()].reduce((a, v) => a + v.size, 0);
        expect(report.parameters).toBe(params);
        expect(report.shape).toEqual([N, spec.classes]);

        const raw = readFileSync(join(folder, 'logits.bin'));
        const theirs = new Float32Array(
          raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length),
        );
        let maxDiff = 0;
        let maxAbs = 0;
        for (let i = 0; i < expected.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(expected[i] - theirs[i]));
          maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        console.log(
          `torch parity ${name}: max |Cardinal − PyTorch| logit difference ${maxDiff.toExponential(2)} ` +
            `(largest |logit| ${maxAbs.toFixed(3)}, ${N} images, ${Date.now() - started} ms)`,
        );
        expect(theirs.length).toBe(expected.length);
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
      } finally {
        await tf.setBackend('wasm');
        trainer.dispose();
      }
    },
    120_000,
  );

  it('train.py runs a short epoch on a CIFAR-layout archive and writes weights Cardinal imports', async () => {
    const spec = resnet8();
    const trainer = createTrainer({ spec, recipe, stats: CIFAR10_STATS, stepsPerEpoch: 10 });
    const folder = join(dir, 'bundle');
    mkdirSync(folder, { recursive: true });
    try {
      // The richest recipe: AdamW, one-cycle per step, smoothing, clipping, every augmentation,
      // a validation split.
      const onecycle = { ...presetRecipe('notebook-onecycle')!, batchSize: 16, epochs: 2 };
      const m = { ...meta(), recipe: onecycle };
      const weights = await exportSafetensors(trainer.model, m);
      const zip = exportBundle({ spec, meta: m, weights, history: [] });
      const { unzipSync } = await import('fflate');
      for (const [file, bytes] of Object.entries(unzipSync(zip))) {
        writeFileSync(join(folder, file), bytes);
      }
      const fake = python([SCRIPT, 'fake-cifar', join(folder, 'data'), '40']);
      expect(fake.ok, fake.out).toBe(true);
      const args = ['train.py', '--data', 'data', '--out', 'out', '--device', 'cpu'];
      const limits = ['--limit-train', '48', '--limit-test', '32', '--log-steps'];
      const run = python([...args, ...limits], folder);
      expect(run.ok, run.out).toBe(true);
      expect(run.out).toMatch(/epoch 2: train loss [\d.]+/);
      const csv = readFileSync(join(folder, 'out', 'metrics.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(csv).toHaveLength(2);
      // --log-steps: every step of epoch 2 (48 images at batch 16), numbered on from epoch 1's.
      const steps = readFileSync(join(folder, 'out', 'steps.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(steps[0]).toBe('epoch,step,loss,lr');
      expect(steps.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
        '2,4',
        '2,5',
        '2,6',
      ]);
      for (const l of steps.slice(1)) expect(Number(l.split(',')[2])).toBeGreaterThan(0);

      const back = importSafetensors(readFileSync(join(folder, 'out', 'weights.safetensors')));
      try {
        expect(back.spec).toEqual(spec);
        expect(back.meta.epoch).toBe(2);
        expect(back.meta.recipe).toEqual(m.recipe);
        expect(back.meta.metrics?.split).toBe('test');
        const tracked = await back.model.buffers.get('bn1.num_batches_tracked')!.data();
        expect(tracked[0]).toBe(3); // 48 images at batch 16
      } finally {
        back.model.dispose();
      }
      const evalOnly = python(
        ['train.py', '--data', 'data', '--eval-only', '--device', 'cpu'],
        folder,
      );
      expect(evalOnly.ok, evalOnly.out).toBe(true);
      expect(evalOnly.out).toMatch(/test loss [\d.]+, accuracy [\d.]+% \(40 images\)/);
    } finally {
      trainer.dispose();
    }
  }, 120_000);
});

describe.skipIf(!hasPython)('generated Python compiles', () => {
  it('model.py and train.py pass py_compile for every kind of network', () => {
    const folder = join(dir, 'compile');
    mkdirSync(folder, { recursive: true });
    for (const name of ['resnet20', 'notebook_cifar100_resnet', 'resnext50_32x4d', 'plain20']) {
      const spec = presetSpec(name) as ArchSpec;
      writeFileSync(join(folder, `model_${name}.py`), pytorchModelSource(spec));
    }
    const train = trainScriptSource({
      spec: notebookResNeXt(),
      recipe: presetRecipe('notebook-onecycle')!,
      dataset: 'cifar100',
      stats: CIFAR10_STATS,
      epoch: 3,
      cardinalVersion: VERSION,
    });
    writeFileSync(join(folder, 'train.py'), train);
    const files = [
      'train.py',
      'resnet20',
      'notebook_cifar100_resnet',
      'resnext50_32x4d',
      'plain20',
    ].map((n) => (n.endsWith('.py') ? n : `model_${n}.py`));
    const r = python(['-m', 'py_compile', ...files], folder);
    expect(r.ok, r.out).toBe(true);
  });
});
