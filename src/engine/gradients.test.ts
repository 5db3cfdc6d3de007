// The freeing backward must compute exactly what tf.variableGrads computes, hold less at its
// peak, and leave nothing behind — on a real (small) ResNet with both kinds of kernels.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArchSpec } from '../spec/types';
import { syntheticBatch } from './bench';
import { variableGradsFreeing } from './gradients';
import { wasmInNode } from './kernels/lib/testUtil';
import { peakDataBytes } from './stepCounters';
import { crossEntropy } from './loss';
import { buildModel } from './model';
import { basicStage, bottleneckStage } from './testSpecs';

const resnet: ArchSpec = {
  stem: { kind: 'cifar', channels: 4, dropout: 0 },
  stages: [basicStage(2, 4, 1), basicStage(1, 8, 2)],
  head: { pool: 'avg' },
  classes: 10,
  residual: true,
  reluAfterAdd: true,
  convBias: false,
};
/** Grouped bottlenecks with a projection shortcut: more node kinds on the tape. */
const resnext: ArchSpec = { ...resnet, stages: [bottleneckStage(2, 8, 8, 2, 2)] };

beforeAll(async () => {
  await wasmInNode();
});

type Grads = typeof tf.variableGrads;

/** Peak live bytes, the gradients' values, and the tensors left beyond value and grads. */
async function measure(spec: ArchSpec, grads: Grads) {
  const model = buildModel(spec, { seed: 3 });
  const data = syntheticBatch(6, spec.classes, 11);
  const x = tf.tensor4d(
    Float32Array.from(data.pixels, (v) => v / 255 - 0.5),
    [6, 32, 32, 3],
  );
  const labels = tf.tensor1d(Int32Array.from(data.labels.subarray(0, 6)), 'int32');
  const params = [...model.params.values()];
  const before = tf.memory().numTensors;
  let result: ReturnType<Grads> | undefined;
  const { peak } = await peakDataBytes(async () => {
    result = grads(() => crossEntropy(model.forward(x, true), labels, 0), params);
  });
  const { value, grads: g } = result!;
  // The batch-norm statistics a training forward queues are the model's, not the backward's.
  model.discardBatchNormUpdates();
  const left = tf.memory().numTensors - before - 1 - Object.keys(g).length;
  // By the parameter's own name (a variable's name carries its model's number).
  const values = Object.fromEntries(
    await Promise.all(
      [...model.params].map(async ([name, v]) => [name, await g[v.name].data()] as const),
    ),
  );
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(g), x, labels]);
  model.dispose();
  return { peak, values, loss, left };
}

describe('variableGradsFreeing', () => {
  for (const backend of ['cpu', 'wasm']) {
    for (const [name, spec] of [
      ['ResNet', resnet],
      ['ResNeXt', resnext],
    ] as const) {
      it(`${name} on ${backend}: tf.variableGrads' gradients, a lower peak, nothing left`, async () => {
        await tf.setBackend(backend);
        const stock = await measure(spec, tf.variableGrads);
        const freeing = await measure(spec, variableGradsFreeing as Grads);
        expect(freeing.loss).toBe(stock.loss);
        expect(Object.keys(freeing.values).sort()).toEqual(Object.keys(stock.values).sort());
        for (const [k, v] of Object.entries(stock.values)) {
          expect(Array.from(freeing.values[k]), k).toEqual(Array.from(v));
        }
        expect(freeing.left).toBe(0);
        expect(stock.left).toBe(0);
        // The activations' gradients no longer pile up on the activations.
        expect(freeing.peak).toBeLessThan(0.8 * stock.peak);
      });
    }
  }

  it('refuses to run inside another gradient', () => {
    const v = tf.variable(tf.scalar(2));
    expect(() =>
      tf.grad((a: tf.Tensor) => {
        variableGradsFreeing(() => tf.mul(v, a) as tf.Scalar, [v]);
        return a;
      })(tf.scalar(1)),
    ).toThrow(/not inside another gradient/);
    v.dispose();
  });
});
