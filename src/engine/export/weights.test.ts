import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../spec/presets';
import { createRng, normal } from '../../spec/random';
import { presetRecipe } from '../../spec/recipes';
import type { ArchSpec } from '../../spec/types';
import { CIFAR100_STATS } from '../augment';
import { buildModel, type Model } from '../model';
import { basicStage, resnet8, tinyResNeXt } from '../testSpecs';
import { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors';
import {
  exportSafetensors,
  expectedTensors,
  importSafetensors,
  loadSafetensors,
  type ExportMeta,
} from './weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let models: Model[] = [];
const keep = (m: Model) => (models.push(m), m);
afterEach(() => {
  models.forEach((m) => m.dispose());
  models = [];
});

const meta: ExportMeta = {
  dataset: 'cifar100',
  recipe: presetRecipe('notebook-onecycle')!,
  epoch: 12,
  metrics: { accuracy: 61.25, split: 'validation' },
  cardinalVersion: '9.9.9',
};

/** Every weight and buffer set to seeded random values (variances positive), as after training. */
function randomise(model: Model, seed: number): void {
  const rng = createRng(seed);
  for (const [name, v] of [...model.params, ...model.buffers]) {
    if (v.dtype === 'int32') {
      v.assign(tf.scalar(1 + Math.floor(rng.next() * 1000), 'int32'));
      continue;
    }
    const values = new Float32Array(v.size).map(() => normal(rng) * 0.2);
    if (name.endsWith('running_var')) values.forEach((x, i) => (values[i] = 0.5 + Math.abs(x)));
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
}

function images(n: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(
    new Float32Array(n * 32 * 32 * 3).map(() => normal(rng)),
    [n, 32, 32, 3],
  );
}

async function logits(model: Model, x: tf.Tensor4D): Promise<Float32Array> {
  const y = model.forward(x, false);
  const out = (await y.data()) as Float32Array;
  y.dispose();
  return out;
}

/** name → a digest of the values (exact: every value's bits count), cheap to compare. */
async function values(model: Model): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, v] of [...model.params, ...model.buffers]) {
    const data = await v.data();
    const bits = new Uint32Array(new Float32Array(data).buffer);
    let h = 0x811c9dc5;
    for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    out[name] = `${v.dtype}[${v.shape}] ${data.length} ${h.toString(16)}`;
  }
  return out;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return (error as Error).message;
  }
  throw new Error('expected a SafetensorsError');
}

describe('exportSafetensors → importSafetensors', () => {
  const cases: [string, () => ArchSpec][] = [
    ['resnet8', resnet8],
    ['a ResNeXt with C = 8', tinyResNeXt],
    ['notebook_cifar100_resnet', () => presetSpec('notebook_cifar100_resnet') as ArchSpec],
  ];
  it.each(cases)('%s: identical weights and eval logits', async (_, make) => {
    const spec = make();
    const original = keep(buildModel(spec, { seed: 3 }));
    randomise(original, 5);
    const bytes = await exportSafetensors(original, meta);
    const imported = importSafetensors(bytes);
    keep(imported.model);
    expect(imported.spec).toEqual(spec);
    expect(await values(imported.model)).toEqual(await values(original));
    const x = images(1, 9);
    expect(await logits(imported.model, x)).toEqual(await logits(original, x));
    x.dispose();
  });

  it('writes PyTorch layouts, int64 counters and the metadata as strings', async () => {
    const spec = tinyResNeXt();
    const model = keep(buildModel(spec, { seed: 1 }));
    randomise(model, 2);
    const file = readSafetensors(await exportSafetensors(model, meta));
    const conv = file.tensors.get('layer2.0.conv2.weight')!;
    expect(conv.shape).toEqual([64, 8, 3, 3]); // [out, in/groups, kh, kw], C = 8
    // PyTorch [o, i, y, x] is TF [y, x, i, o].
    const tfValues = await model.params.get('layer2.0.conv2.weight')!.data();
    const [o, i, y, xx] = [37, 5, 2, 1];
    expect(conv.data[((o * 8 + i) * 3 + y) * 3 + xx]).toBe(
      tfValues[((y * 3 + xx) * 8 + i) * 64 + o],
    );
    expect(file.tensors.get('fc.weight')!.shape).toEqual([10, 64]);
    const tracked = file.tensors.get('layer1.0.bn2.num_batches_tracked')!;
    expect(tracked.dtype).toBe('I64');
    expect(tracked.shape).toEqual([]);
    const expected = (await model.buffers.get('layer1.0.bn2.num_batches_tracked')!.data())[0];
    expect(tracked.data[0]).toBe(BigInt(expected));
    expect([...file.tensors.keys()].sort()).toEqual(
      expectedTensors(model.plan)
        .map((t) => t.name)
        .sort(),
    );

    const m = file.metadata;
    expect(Object.values(m).every((v) => typeof v === 'string')).toBe(true);
    expect(m.format).toBe('pt');
    expect(m.cardinal_version).toBe('9.9.9');
    expect(JSON.parse(m.spec)).toEqual(spec);
    expect(JSON.parse(m.recipe)).toEqual(meta.recipe);
    expect(m.dataset).toBe('cifar100');
    expect(JSON.parse(m.mean)).toEqual([...CIFAR100_STATS.mean]);
    expect(JSON.parse(m.std)).toEqual([...CIFAR100_STATS.std]);
    expect(m.epoch).toBe('12');
    expect(JSON.parse(m.metrics)).toEqual({ accuracy: 61.25, split: 'validation' });

    const back = importSafetensors(await exportSafetensors(model, meta));
    keep(back.model);
    expect(back.meta).toEqual({
      spec,
      recipe: meta.recipe,
      dataset: 'cifar100',
      stats: { mean: [...CIFAR100_STATS.mean], std: [...CIFAR100_STATS.std] },
      epoch: 12,
      metrics: meta.metrics,
      cardinalVersion: '9.9.9',
      inputSize: 32,
    });
  });

  it('folds queued batch statistics in before writing the buffers', async () => {
    const model = keep(buildModel(resnet8(), { seed: 1 }));
    tf.tidy(() => {
      model.forward(images(2, 1), true);
    });
    expect(model.pendingBatchNormUpdates()).toBeGreaterThan(0);
    const file = readSafetensors(await exportSafetensors(model, meta));
    expect(file.tensors.get('bn1.num_batches_tracked')!.data[0]).toBe(1n);
  });
});

describe('importSafetensors refuses what does not fit, and changes nothing', () => {
  async function exported(spec: ArchSpec = resnet8()): Promise<Uint8Array> {
    const model = keep(buildModel(spec, { seed: 1 }));
    return exportSafetensors(model, meta);
  }

  /** The file's tensors, edited, written again with the same metadata. */
  function rewrite(
    bytes: Uint8Array,
    edit: (
      list: Parameters<typeof writeSafetensors>[0][number][],
    ) => Parameters<typeof writeSafetensors>[0][number][],
    metadata?: Record<string, string>,
  ): Uint8Array {
    const file = readSafetensors(bytes);
    return writeSafetensors(edit([...file.tensors.values()]), metadata ?? file.metadata);
  }

  let bytes: Uint8Array;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    bytes = await exported();
  });

  it('names the tensor and both shapes when the given spec differs', () => {
    const wider: ArchSpec = { ...resnet8(), stages: [...resnet8().stages] };
    wider.stages[0] = basicStage(1, 32, 1);
    expect(errorOf(() => importSafetensors(bytes, { spec: wider }))).toContain(
      'layer1.0.conv1.weight: file has [16, 16, 3, 3], the network needs [32, 16, 3, 3]',
    );
  });

  it('lists missing and extra tensors', async () => {
    const missing = rewrite(bytes, (l) => l.filter((t) => t.name !== 'layer2.0.bn1.running_var'));
    expect(errorOf(() => importSafetensors(missing))).toContain(
      'the file lacks 1 tensor(s) the network needs: layer2.0.bn1.running_var',
    );
    const extra = rewrite(bytes, (l) => [
      ...l,
      { name: 'head.weight', dtype: 'F32', shape: [1], data: [0] },
    ]);
    expect(errorOf(() => importSafetensors(extra))).toContain(
      'the file has 1 tensor(s) the network does not: head.weight',
    );
  });

  it('needs a spec from the metadata or the caller, and a valid one', async () => {
    const bare = rewrite(bytes, (l) => l, {});
    expect(errorOf(() => importSafetensors(bare))).toMatch(/carries no Cardinal spec/);
    const model = keep(importSafetensors(bare, { spec: resnet8() }).model);
    expect(model.params.size).toBeGreaterThan(0);
    const broken = rewrite(bytes, (l) => l, { spec: '{"stem": 1}' });
    expect(errorOf(() => importSafetensors(broken))).toMatch(
      /spec in the file metadata is not valid/,
    );
    const garbage = rewrite(bytes, (l) => l, { spec: '{' });
    expect(errorOf(() => importSafetensors(garbage))).toMatch(/not valid JSON/);
  });

  it('refuses out-of-range counters and negative variances', async () => {
    const counter = rewrite(bytes, (l) =>
      l.map((t) =>
        t.name === 'bn1.num_batches_tracked' ? { ...t, data: new BigInt64Array([-1n]) } : t,
      ),
    );
    expect(errorOf(() => importSafetensors(counter))).toMatch(
      /bn1.num_batches_tracked: -1 is out of range/,
    );
    const variance = rewrite(bytes, (l) =>
      l.map((t) =>
        t.name === 'bn1.running_var' ? { ...t, data: new Float32Array(t.data.length).fill(-1) } : t,
      ),
    );
    expect(errorOf(() => importSafetensors(variance))).toMatch(/bn1.running_var: a variance/);
  });

  it('loadSafetensors leaves the model as it was on a bad file, loads a good one', async () => {
    const model = keep(buildModel(resnet8(), { seed: 42 }));
    const before = await values(model);
    const wrong = await exported({ ...resnet8(), classes: 7 });
    expect(errorOf(() => loadSafetensors(model, wrong))).toContain(
      'fc.weight: file has [7, 64], the network needs [10, 64]',
    );
    const truncated = bytes.subarray(0, bytes.length - 4);
    expect(errorOf(() => loadSafetensors(model, truncated))).toMatch(/lie outside/);
    expect(await values(model)).toEqual(before);

    const source = keep(buildModel(resnet8(), { seed: 7 }));
    randomise(source, 8);
    const loaded = loadSafetensors(model, await exportSafetensors(source, meta));
    expect(loaded.epoch).toBe(12);
    expect(await values(model)).toEqual(await values(source));
  });
});
