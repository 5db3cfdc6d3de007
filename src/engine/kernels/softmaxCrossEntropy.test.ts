// The fused loss (value, gradient, top-1 count in one read-out) against a float64 reference
// of torch.nn.CrossEntropyLoss(label_smoothing=ε), on cpu (loss.ts's ops) and on WebGPU.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countGpuWork } from '../webgpu/gpuCounters';
import { webgpuForTests } from '../webgpu/webgpuForTests.node';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';
import { expectClose, onBackend, randomValues } from './lib/testUtil';

const gpu = await webgpuForTests();
if (!gpu.available) console.warn(`loss kernel: WebGPU tests skipped: ${gpu.reason}`);

function reference(logits: Float32Array, labels: number[], c: number, eps: number) {
  const n = labels.length;
  let loss = 0;
  let correct = 0;
  const grad = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    const row = Array.from(logits.subarray(r * c, (r + 1) * c));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const nll = lse - row[labels[r]];
    const smooth = row.reduce((s, v) => s + (lse - v), 0);
    loss += ((1 - eps) * nll + (eps / c) * smooth) / n;
    if (row.indexOf(max) === labels[r]) correct++;
    row.forEach((v, k) => {
      const target = (k === labels[r] ? 1 - eps : 0) + eps / c;
      grad[r * c + k] = (Math.exp(v - lse) - target) / n;
    });
  }
  return { loss, correct, grad };
}

const CASES = [
  { n: 1, c: 10, eps: 0 },
  { n: 64, c: 10, eps: 0.1 },
  { n: 33, c: 100, eps: 0.1 },
  { n: 7, c: 3, eps: 0 },
  { n: 130, c: 10, eps: 0.2, ties: true },
];

const backends = ['cpu', ...(gpu.available ? ['webgpu'] : [])];

describe.each(backends)('fused softmax cross-entropy on %s', (backend) => {
  it.each(CASES.map((k) => [JSON.stringify(k), k] as const))('equals the reference: %s', (_, k) =>
    onBackend(backend, async () => {
      const values = randomValues(k.n * k.c, k.n + k.c, 3);
      // Whole numbers make ties: top-1 takes the first largest, as tf.argMax does.
      if (k.ties) values.forEach((v, i) => (values[i] = Math.round(v)));
      const labels = Array.from({ length: k.n }, (_, i) => (i * 7 + 3) % k.c);
      const want = reference(values, labels, k.c, k.eps);
      const logits = tf.variable(tf.tensor2d(values, [k.n, k.c]), true, `l${backend}${k.n}`);
      const y = tf.tensor1d(labels, 'int32');
      let readout: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = softmaxCrossEntropy(logits as tf.Tensor2D, y as tf.Tensor1D, k.eps);
        readout = out.readout;
        return out.loss;
      });
      const [loss, correct] = await readout!.data();
      expectClose([loss], [want.loss], 'loss');
      expect(correct).toBe(want.correct);
      expectClose(await value.data(), [want.loss], 'value');
      const grad = Object.values(grads)[0];
      expectClose(await grad.data(), want.grad, 'dlogits');
      tf.dispose([logits, y, readout!, value, ...Object.values(grads)]);
    }),
  );
});

describe.skipIf(!gpu.available)('fused softmax cross-entropy: WebGPU cost', () => {
  it('forward is one dispatch; the read-out holds loss and count', async () => {
    const logits = tf.randomNormal([32, 10]) as tf.Tensor2D;
    const labels = tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 10),
      'int32',
    );
    await Promise.all([logits.data(), labels.data()]);
    const { counts } = await countGpuWork(async () => {
      const out = softmaxCrossEntropy(logits, labels, 0.1);
      await out.readout.data();
      tf.dispose([out.loss, out.readout]);
    });
    expect(counts.dispatches).toBe(1);
    expect(counts.readbacks).toBe(1);
    tf.dispose([logits, labels]);
  });
});
