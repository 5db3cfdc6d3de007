// The benchmark's baseline: the same network written the plain way with tfjs-layers (functional
// tf.model, conv2d / batchNormalization / add layers, trained with trainOnBatch and momentum
// SGD), so that bench.ts can show what our engine gains over what a TF.js user would write.
// It is deliberately an independent translation of the spec (not a reuse of the engine); its
// trainable parameter count is reported beside analyze()'s, so a mismatch would show.
//
// Where tfjs-layers cannot say what the spec says, the baseline does the nearest plain thing
// and lists it in `notes`: grouped convs become dense convs (tfjs-layers has no `groups`, no
// Lambda layer to split them) — more multiply-adds, which the bench counts separately — and
// 'same' padding replaces PyTorch's symmetric padding (same output sizes, same cost).

import * as tf from '@tensorflow/tfjs';
import type { ArchSpec } from '../spec/types';

export interface LayersBaseline {
  model: tf.LayersModel;
  /** Where the baseline departs from the spec, in words. */
  notes: string[];
}

/**
 * Option A's channel zero-padding. tfjs-layers has no layer for it (zeroPadding2d pads only
 * height and width), and a small custom layer is the plain tfjs-layers way.
 */
class ChannelPad extends tf.layers.Layer {
  static className = 'CardinalChannelPad';
  constructor(
    private readonly before: number,
    private readonly after: number,
  ) {
    super({});
  }
  computeOutputShape(shape: tf.Shape): tf.Shape {
    const [n, h, w, c] = shape;
    return [n, h, w, (c as number) + this.before + this.after];
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.pad(x, [
      [0, 0],
      [0, 0],
      [0, 0],
      [this.before, this.after],
    ]);
  }
}

type Node = tf.SymbolicTensor;
const channelsOf = (x: Node) => x.shape[3] as number;

export function buildLayersBaseline(spec: ArchSpec, batch: number): LayersBaseline {
  const notes = ["'same' padding instead of PyTorch's symmetric padding (same sizes and cost)"];
  const grouped = spec.stages.some((s) => s.block === 'bottleneck' && s.cardinality > 1);
  if (grouped) {
    notes.push(
      'grouped convs are dense (tfjs-layers has no groups): C× the multiply-adds in those convs',
    );
  }
  const conv = (x: Node, filters: number, kernel: number, stride = 1, bias = spec.convBias) =>
    tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: kernel === 1 ? 'valid' : 'same',
        useBias: bias,
        kernelInitializer: 'heNormal',
      })
      .apply(x) as Node;
  // PyTorch's BN numerics (Keras momentum = 1 − PyTorch's), so the work per step is the same.
  const bn = (x: Node) =>
    tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as Node;
  const relu = (x: Node) => tf.layers.reLU().apply(x) as Node;

  const input = tf.input({ shape: [32, 32, 3] });
  const imagenet = spec.stem.kind === 'imagenet';
  let h = relu(bn(conv(input, spec.stem.channels, imagenet ? 7 : 3, imagenet ? 2 : 1, false)));
  if (imagenet) {
    h = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(h) as Node;
  }
  if (spec.stem.dropout > 0) {
    // Dropout2d: one draw per (image, channel), through noiseShape.
    const noiseShape = [batch, 1, 1, channelsOf(h)];
    h = tf.layers.dropout({ rate: spec.stem.dropout, noiseShape }).apply(h) as Node;
  }

  for (const stage of spec.stages) {
    for (let i = 0; i < stage.blocks; i++) {
      const stride = i === 0 ? stage.stride : 1;
      const out = stage.outChannels;
      let y: Node;
      if (stage.block === 'basic') {
        y = bn(conv(relu(bn(conv(h, out, 3, stride))), out, 3));
      } else {
        const width = stage.bottleneckWidth;
        y = relu(bn(conv(h, width, 1)));
        y = relu(bn(conv(y, width, 3, stride)));
        y = bn(conv(y, out, 1));
      }
      if (spec.residual) {
        let shortcut = h;
        if (stride !== 1 || channelsOf(h) !== out) {
          if (stage.shortcut === 'A') {
            // x[:, ::s, ::s] as a 1×1 max-pool with stride s, then the zero channels.
            const missing = out - channelsOf(h);
            shortcut = tf.layers.maxPooling2d({ poolSize: 1, strides: stride }).apply(h) as Node;
            const before = Math.floor(missing / 2);
            shortcut = new ChannelPad(before, missing - before).apply(shortcut) as Node;
          } else {
            shortcut = bn(conv(h, out, stage.shortcut === 'B' ? 1 : 3, stride));
          }
        }
        y = tf.layers.add().apply([y, shortcut]) as Node;
      }
      h = spec.reluAfterAdd ? relu(y) : y;
    }
  }

  const pooled =
    spec.head.pool === 'avg'
      ? (tf.layers.globalAveragePooling2d({}).apply(h) as Node)
      : (tf.layers
          .flatten()
          .apply(tf.layers.maxPooling2d({ poolSize: 4, strides: 1 }).apply(h)) as Node);
  const logits = tf.layers.dense({ units: spec.classes }).apply(pooled) as Node;
  const model = tf.model({ inputs: input, outputs: logits });
  // From logits, as our loss: softmax cross-entropy with one-hot labels.
  model.compile({
    optimizer: tf.train.momentum(0.05, 0.9),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  return { model, notes };
}

/** Trainable parameters of a layers model (BN moving statistics are not trainable). */
export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}
