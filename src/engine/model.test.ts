import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../spec/analyze';
import { presetSpec } from '../spec/presets';
import { createRng, normal } from '../spec/random';
import type { ArchSpec } from '../spec/types';
import { buildModel, type Model } from './model';
import { paramInfos } from './params';
import { blogLike, imagenetLike, plain8, resnet20, resnet8, tinyResNeXt } from './testSpecs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let models: Model[] = [];
function build(spec: ArchSpec, seed = 1, inputSize = 32): Model {
  const m = buildModel(spec, { seed, inputSize });
  models.push(m);
  return m;
}
afterEach(() => {
  models.forEach((m) => m.dispose());
  models = [];
});

function images(n: number, size: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const v = new Float32Array(n * size * size * 3);
  for (let i = 0; i < v.length; i++) v[i] = normal(rng);
  return tf.tensor4d(v, [n, size, size, 3]);
}

function crossEntropy(logits: tf.Tensor2D, labels: number[], classes: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits) as tf.Scalar;
}

const total = (m: Model) => [...m.params.values()].reduce((sum, v) => sum + v.size, 0);

describe('buildModel: parameters', () => {
  it('names, order and shapes follow the plan; BN buffers separate', () => {
    const m = build(tinyResNeXt());
    const infos = paramInfos(m.plan);
    expect([...m.params.keys()]).toEqual(infos.map((p) => p.name));
    for (const p of infos) expect(m.params.get(p.name)?.shape, p.name).toEqual(p.shape);
    expect([...m.params.values()].every((v) => v.trainable)).toBe(true);
    expect([...m.buffers.values()].some((v) => v.trainable)).toBe(false);
    expect(m.buffers.get('layer2.1.bn3.running_var')?.shape).toEqual([64]);
    expect(m.buffers.get('layer2.0.downsample.1.num_batches_tracked')?.dtype).toBe('int32');
  });

  it('totals: ResNet-8 75,290 by hand; equal to analyze() for resnet20, a ResNeXt, the blog net', () => {
    expect(total(build(resnet8()))).toBe(75_290);
    expect(total(build(resnet20()))).toBe(269_722);
    for (const name of ['resnet20', 'notebook_cifar100_resnet']) {
      const spec = presetSpec(name) as ArchSpec;
      expect(total(build(spec)), name).toBe(analyze(spec).totals.params);
    }
    const small = tinyResNeXt();
    expect(total(build(small))).toBe(analyze(small).totals.params);
  });

  it('init: same seed → identical weights, another seed → different', () => {
    const a = build(tinyResNeXt(), 5);
    const b = build(tinyResNeXt(), 5);
    const c = build(tinyResNeXt(), 6);
    for (const [name, v] of a.params) {
      expect(Array.from(v.dataSync()), name).toEqual(Array.from(b.params.get(name)!.dataSync()));
    }
    const w = (m: Model) => Array.from(m.params.get('layer2.0.conv2.weight')!.dataSync());
    expect(w(a)).not.toEqual(w(c));
    const fc = (m: Model) => Array.from(m.params.get('fc.weight')!.dataSync());
    expect(fc(a)).not.toEqual(fc(c));
  });

  it('init: grouped conv std uses fan_out = out·k·k (not ÷ groups); BN 1/0; fc ±1/√fan_in', () => {
    const m = build({
      ...tinyResNeXt(),
      stages: [
        { ...tinyResNeXt().stages[1], outChannels: 256, bottleneckWidth: 256, cardinality: 8 },
      ],
    });
    const w = m.params.get('layer1.0.conv2.weight')!;
    expect(w.shape).toEqual([3, 3, 32, 256]);
    const v = Array.from(w.dataSync());
    const std = Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    expect(Math.abs(std / Math.sqrt(2 / (256 * 9)) - 1)).toBeLessThan(0.03);
    const values = (name: string) => Array.from(m.params.get(name)!.dataSync());
    expect(values('layer1.0.bn2.weight').every((x) => x === 1)).toBe(true);
    expect(values('layer1.0.bn2.bias').every((x) => x === 0)).toBe(true);
    const fc = Array.from(m.params.get('fc.weight')!.dataSync());
    const bound = 1 / Math.sqrt(256);
    expect(fc.every((x) => Math.abs(x) <= bound)).toBe(true);
    expect(fc.some((x) => Math.abs(x) > 0.9 * bound)).toBe(true);
  });
});

describe('buildModel: forward', () => {
  const cases: { name: string; spec: () => ArchSpec; size: number; classes: number }[] = [
    { name: 'basic + option A (ResNet-8)', spec: resnet8, size: 32, classes: 10 },
    { name: 'bottleneck + B, C = 4 and 8', spec: tinyResNeXt, size: 32, classes: 10 },
    {
      name: 'conv3x3 shortcut, max4 head, no ReLU after add, dropout, biases',
      spec: blogLike,
      size: 32,
      classes: 7,
    },
    { name: 'ImageNet stem on 64×64', spec: imagenetLike, size: 64, classes: 10 },
    { name: 'residual = false', spec: plain8, size: 32, classes: 10 },
  ];
  for (const c of cases) {
    it(`${c.name}: logits [N, classes] in both modes`, () => {
      const m = build(c.spec(), 1, c.size);
      const x = images(2, c.size, 3);
      const train = m.forward(x, true);
      const evalOut = m.forward(x, false);
      expect(train.shape).toEqual([2, c.classes]);
      expect(evalOut.shape).toEqual([2, c.classes]);
      expect(train.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([x, train, evalOut]);
    });
  }

  it('eval mode is deterministic; training mode draws new dropout masks', () => {
    const m = build(blogLike());
    const x = images(2, 32, 4);
    const e1 = m.forward(x, false);
    const e2 = m.forward(x, false);
    expect(Array.from(e1.dataSync())).toEqual(Array.from(e2.dataSync()));
    const t1 = m.forward(x, true);
    const t2 = m.forward(x, true);
    expect(Array.from(t1.dataSync())).not.toEqual(Array.from(t2.dataSync()));
    m.discardBatchNormUpdates();
    tf.dispose([x, e1, e2, t1, t2]);
  });

  it('the dropout stream resumes from its saved state', () => {
    const m = build(blogLike());
    const x = images(2, 32, 5);
    const state = m.dropoutRngState();
    const a = m.forward(x, true);
    m.setDropoutRngState(state);
    m.discardBatchNormUpdates();
    const b = m.forward(x, true);
    m.discardBatchNormUpdates();
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([x, a, b]);
  });
});

describe('buildModel: gradients and memory', () => {
  const gradSpecs: [string, () => ArchSpec, number][] = [
    // Small inputs: the cpu backend's Conv2DBackpropFilter is slow (≈ 90% of a step).
    ['resnet8', resnet8, 8],
    ['tinyResNeXt', tinyResNeXt, 8],
    ['blogLike', blogLike, 16],
    ['imagenetLike', imagenetLike, 32],
    ['plain8', plain8, 8],
  ];
  for (const [name, spec, size] of gradSpecs) {
    it(`${name}: every trainable parameter gets a non-zero gradient`, () => {
      const m = build(spec(), 2, size);
      const x = images(2, size, 7);
      const classes = m.plan.fc.outFeatures;
      const norms = (training: boolean) => {
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(m.forward(x, training), [1, 3], classes),
          [...m.params.values()],
        );
        const out = new Map<string, number>();
        for (const [key, v] of m.params) {
          out.set(
            key,
            tf.tidy(() => tf.norm(grads[v.name]).dataSync()[0]),
          );
        }
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      };
      // Training mode: every parameter except a conv bias right before a batch norm, whose
      // gradient is exactly 0 there (BN subtracts the batch mean) — in PyTorch too.
      for (const [key, n] of norms(true)) {
        const biasBeforeBn = /conv\d\.bias$|downsample\.0\.bias$/.test(key);
        if (biasBeforeBn) expect(n, key).toBeLessThan(1e-4);
        else expect(n, key).toBeGreaterThan(0);
      }
      m.applyBatchNormUpdates();
      // Eval mode (BN uses running statistics): now the biases get gradients too.
      for (const [key, n] of norms(false)) expect(n, key).toBeGreaterThan(0);
      x.dispose();
    });
  }

  it('leaks no tensor: eval forward in tidy, training steps with BN updates applied, dispose', () => {
    const start = tf.memory().numTensors;
    const m = buildModel(tinyResNeXt(), { seed: 3 });
    const built = tf.memory().numTensors;
    expect(built - start).toBe(m.params.size + m.buffers.size);
    const x = images(2, 8, 8);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      m.forward(x, false);
    });
    expect(tf.memory().numTensors).toBe(before);
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(m.forward(x, true), [0, 1], 10),
        [...m.params.values()],
      );
      expect(m.pendingBatchNormUpdates()).toBe(12); // stem + 3 blocks × 3 + 2 downsample BNs
      tf.dispose([value, ...Object.values(grads)]);
      m.applyBatchNormUpdates();
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(m.buffers.get('bn1.num_batches_tracked')!.dataSync()[0]).toBe(3);
    expect(m.buffers.get('layer2.1.bn3.num_batches_tracked')!.dataSync()[0]).toBe(3);
    x.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('running statistics move after a training forward and are applied before eval', () => {
    const m = build(resnet8());
    const x = images(4, 32, 9);
    const rm = m.buffers.get('bn1.running_mean')!;
    tf.dispose(m.forward(x, true));
    expect(Array.from(rm.dataSync()).every((v) => v === 0)).toBe(true); // queued, not applied
    tf.dispose(m.forward(x, false)); // eval applies the queue first
    expect(m.pendingBatchNormUpdates()).toBe(0);
    expect(Array.from(rm.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(m.buffers.get('layer3.0.bn2.num_batches_tracked')!.dataSync()[0]).toBe(1);
    x.dispose();
  });

  it('a failed forward leaves nothing queued', () => {
    const m = build(blogLike());
    const x = images(1, 40, 10); // 40×40 gives a 10×10 map: the fc does not fit
    expect(() => m.forward(x, true)).toThrow(/built for 32×32/);
    expect(m.pendingBatchNormUpdates()).toBe(0);
    x.dispose();
  });
});
