// A training batch from CIFAR's bytes to the network's input in ONE WebGPU dispatch: uint8
// CHW → float NHWC in [0, 1], RandomCrop (zero padding 4) and the flip, Normalize, then
// RandomErasing (value 0, after Normalize), exactly as augment.ts's applyAugment does them.
// The bytes go up as they are (packed four to an int32, a quarter of the float upload) with
// one small per-image plan; b/255 comes from a 256-entry table computed on the host, so the
// conversion is bit-identical to toTensor's. Colour jitter needs per-image reductions and
// the hue's HSV round trip: plans with it return null and the caller takes augment.ts's ops.
//
// On every other backend the same batch is built on the host, with toTensor's and
// applyAugment's float32 arithmetic bit for bit, and goes up as one tensor: on WASM TF.js's
// ops for it (a gather for the crop, a broadcast Sub and RealDiv, the erase mask) took ~5 ms
// of a ResNet-20 step at batch 32, its broadcast RealDiv alone 2 ms.

import * as tf from '@tensorflow/tfjs';
import { CROP_PADDING, type ImageAugment } from '../augment';
import { runMultiOutput, workgroupsFor } from './lib/multiOutput';
import { onWebgpu, registerWebgpuKernel } from './lib/webgpuKernel';

const KERNEL = 'CardinalAugmentBytes';
const SIDE = 32;
const PLANE = SIDE * SIDE;
const PLAN_FIELDS = 7;
const THREADS = 128;

let byteTable: tf.Tensor1D | null = null;

function register(): void {
  registerWebgpuKernel(KERNEL, (inputs, backend, attrs) => {
    const { bytes, plan, table } = inputs;
    const n = plan.shape[0];
    const [m0, m1, m2] = attrs.mean as number[];
    const [s0, s1, s2] = attrs.std as number[];
    const body = `
      fn byteAt(k : i32) -> i32 {
        return (bytes[k / 4] >> (u32(k % 4) * 8u)) & 255;
      }
      fn main(index : i32, local : i32, group : i32) {
        if (index >= u.size) { return; }
        let ch = index % 3;
        let col = (index / 3) % ${SIDE};
        let r = (index / ${3 * SIDE}) % ${SIDE};
        let img = index / ${3 * PLANE};
        let p = img * ${PLAN_FIELDS};
        let sr = i32(plan[p]) - ${CROP_PADDING} + r;
        let flipped = select(col, ${SIDE - 1} - col, plan[p + 2] > 0.5);
        let sc = i32(plan[p + 1]) - ${CROP_PADDING} + flipped;
        var v = 0.0;
        if (sr >= 0 && sr < ${SIDE} && sc >= 0 && sc < ${SIDE}) {
          v = table[byteAt(img * ${3 * PLANE} + ch * ${PLANE} + sr * ${SIDE} + sc)];
        }
        let mean = select(select(u.m2, u.m1, ch == 1), u.m0, ch == 0);
        let sd = select(select(u.s2, u.s1, ch == 1), u.s0, ch == 0);
        var y = (v - mean) / sd;
        let top = i32(plan[p + 3]);
        let left = i32(plan[p + 4]);
        if (r >= top && r < top + i32(plan[p + 5]) && col >= left && col < left + i32(plan[p + 6])) {
          y = 0.0;
        }
        outImages[index] = y;
      }`;
    const size = n * 3 * PLANE;
    const f = (value: number) => ({ type: 'f32' as const, value });
    return runMultiOutput(backend, {
      key: KERNEL,
      inputs: { bytes, plan, table },
      outputs: { outImages: { shape: [n, SIDE, SIDE, 3] } },
      uniforms: {
        size: { type: 'i32', value: size },
        m0: f(m0),
        m1: f(m1),
        m2: f(m2),
        s0: f(s0),
        s1: f(s1),
        s2: f(s2),
      },
      workgroupSize: THREADS,
      workgroups: workgroupsFor(size, THREADS),
      body,
    });
  });
}

/** Whether the one-dispatch path can do these plans (no colour jitter). */
export function bytesKernelCovers(plans: readonly ImageAugment[]): boolean {
  return plans.every(
    (p) => p.brightness === 1 && p.contrast === 1 && p.saturation === 1 && p.hue === 0,
  );
}

/**
 * NHWC float32, augmented and normalised, straight from n CIFAR images' bytes; null where it
 * does not apply (colour jitter in the plans): then use augment.ts's ops.
 */
export function augmentBytes(
  pixels: Uint8Array,
  n: number,
  plans: readonly ImageAugment[],
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D | null {
  if (!bytesKernelCovers(plans)) return null;
  if (pixels.length < n * 3 * PLANE) {
    throw new Error(`Expected ${n} CIFAR images (${n * 3 * PLANE} bytes), got ${pixels.length}`);
  }
  if (plans.length !== n) throw new Error(`${plans.length} plans for a batch of ${n}`);
  if (!onWebgpu()) return augmentOnHost(pixels, n, plans, mean, std);
  register();
  // toTensor's values exactly: b / 255 rounded to float32 on the host.
  byteTable ??= tf.keep(tf.tensor1d(Float32Array.from({ length: 256 }, (_, b) => b / 255)));
  const packed = new Uint8Array(Math.ceil((n * 3 * PLANE) / 4) * 4);
  packed.set(pixels.subarray(0, n * 3 * PLANE));
  const plan = new Float32Array(n * PLAN_FIELDS);
  plans.forEach((p, i) => {
    const e = p.erase ?? { top: 0, left: 0, height: 0, width: 0 };
    plan.set(
      [p.cropTop, p.cropLeft, p.flip ? 1 : 0, e.top, e.left, e.height, e.width],
      i * PLAN_FIELDS,
    );
  });
  return tf.tidy(() => {
    const bytes = tf.tensor1d(new Int32Array(packed.buffer), 'int32');
    const planTensor = tf.tensor2d(plan, [n, PLAN_FIELDS]);
    const attrs = { mean: [...mean], std: [...std] };
    const inputs = { bytes, plan: planTensor, table: byteTable! };
    const out = tf.engine().runKernel(KERNEL, inputs, attrs) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out[0] : out) as tf.Tensor4D;
  });
}

/**
 * The same batch computed here: v = b/255 in float32 (toTensor), the crop's zero padding, the
 * flip, (v − mean) / std as two float32 operations (normalize), then the erase mask's multiply
 * (applyAugment: ×0 keeps the sign, −0 for a negative value).
 */
function augmentOnHost(
  pixels: Uint8Array,
  n: number,
  plans: readonly ImageAugment[],
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  const f32 = Math.fround;
  const [m, s] = [mean.map(f32), std.map(f32)];
  const out = new Float32Array(n * 3 * PLANE);
  for (let img = 0; img < n; img++) {
    const { cropTop, cropLeft, flip, erase } = plans[img];
    for (let r = 0; r < SIDE; r++) {
      const sr = cropTop - CROP_PADDING + r;
      for (let col = 0; col < SIDE; col++) {
        const sc = cropLeft - CROP_PADDING + (flip ? SIDE - 1 - col : col);
        const inside = sr >= 0 && sr < SIDE && sc >= 0 && sc < SIDE;
        const erased =
          erase != null &&
          r >= erase.top &&
          r < erase.top + erase.height &&
          col >= erase.left &&
          col < erase.left + erase.width;
        const o = ((img * SIDE + r) * SIDE + col) * 3;
        for (let ch = 0; ch < 3; ch++) {
          const v = inside ? f32(pixels[img * 3 * PLANE + ch * PLANE + sr * SIDE + sc] / 255) : 0;
          const y = f32(f32(v - m[ch]) / s[ch]);
          out[o + ch] = erased ? y * 0 : y;
        }
      }
    }
  }
  return tf.tensor4d(out, [n, SIDE, SIDE, 3]);
}
