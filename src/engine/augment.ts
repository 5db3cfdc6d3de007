// Training-time augmentation on the device, following torchvision's CIFAR pipeline:
// RandomCrop(32, padding=4) → RandomHorizontalFlip() → ColorJitter(…) → ToTensor() →
// Normalize(mean, std) → RandomErasing(p).
//
// Every random choice is made on the host from the run's seeded Rng (planAugment), so one seed
// reproduces a run and the plan is testable on its own; the device then applies the whole batch
// with a handful of batched ops (applyAugment), never one op per image (each dispatch costs
// about as much as a small kernel on WebGL/WebGPU).
//
// Known differences from torchvision, chosen on purpose:
// - ColorJitter applies brightness → contrast → saturation → hue in this fixed order;
//   torchvision draws a random order per image. Doing that on a batch would mean computing all
//   four adjustments in each of four rounds (≈4× the ops, the hue round trip dominating) for an
//   effect on the data distribution too small to matter.
// - ColorJitter runs on float pixels with torchvision's tensor formulas (functional_tensor);
//   the reference notebooks apply it to PIL uint8 images, whose results are rounded to 1/255 at
//   each step and whose contrast mean is rounded to an integer grey level.
// - The random numbers come from our mulberry32 Rng, not torch's generator: the same
//   distributions, not the same draws.
import * as tf from '@tensorflow/tfjs';
import type { AugmentSpec } from '../spec/types';
import type { Rng } from '../spec/random';

/** Per-channel (R, G, B) statistics for Normalize, from ../shared/DESIGN.md. */
export interface NormStats {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export const CIFAR10_STATS: NormStats = {
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.2023, 0.1994, 0.201],
};

export const CIFAR100_STATS: NormStats = {
  mean: [0.5071, 0.4867, 0.4408],
  std: [0.2675, 0.2565, 0.2761],
};

/** RandomCrop's zero padding on each side. */
export const CROP_PADDING = 4;

const SIDE = 32;
const PLANE = SIDE * SIDE;

/**
 * CIFAR pixels as the data layer holds them (per image 1024 R, 1024 G, 1024 B bytes, rows top
 * to bottom) → NHWC float32 in [0, 1], as ToTensor's division by 255. The transpose is done on
 * the host while converting bytes to floats anyway: one upload, no device transpose.
 */
export function toTensor(pixels: Uint8Array, n: number): tf.Tensor4D {
  if (pixels.length !== n * 3 * PLANE) {
    throw new Error(`Expected ${n} CIFAR images (${n * 3 * PLANE} bytes), got ${pixels.length}`);
  }
  const out = new Float32Array(pixels.length);
  for (let img = 0; img < n; img++) {
    const base = img * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      const o = (base + p * 3) | 0;
      out[o] = pixels[base + p] / 255;
      out[o + 1] = pixels[base + PLANE + p] / 255;
      out[o + 2] = pixels[base + 2 * PLANE + p] / 255;
    }
  }
  return tf.tensor4d(out, [n, SIDE, SIDE, 3], 'float32');
}

/** transforms.Normalize: (x − mean) / std per channel, in that order of float32 operations. */
export function normalize(
  x: tf.Tensor4D,
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  return tf.tidy(() => x.sub(tf.tensor1d([...mean])).div(tf.tensor1d([...std])));
}

/** The random choices for one image; the identity is crop (4, 4), no flip, factors 1, 1, 1, 0. */
export interface ImageAugment {
  /** Top-left corner of the crop inside the zero-padded image: 0 … 2·CROP_PADDING each. */
  cropTop: number;
  cropLeft: number;
  /** Mirror left–right (after the crop, as torchvision). */
  flip: boolean;
  /** ColorJitter factors: multiplicative (1 = unchanged) and the hue shift in turns (0 = none). */
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  /** RandomErasing's rectangle, rows top … top+height−1 and columns left … left+width−1. */
  erase: { top: number; left: number; height: number; width: number } | null;
}

/**
 * Draws every image's choices from rng, in a fixed order per image (crop top, crop left, flip,
 * jitter factors, erasing), each only when its transform is on. `size` is the image side.
 */
export function planAugment(n: number, spec: AugmentSpec, rng: Rng, size = SIDE): ImageAugment[] {
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const randint = (hiExclusive: number) => Math.floor(rng.next() * hiExclusive);
  // ColorJitter's ranges: [max(0, 1 − f), 1 + f] for the factors, [−h, h] for the hue; a
  // value of 0 disables that adjustment, as torchvision's _check_input turns it into None.
  const jitter = spec.colorJitter;
  const factor = (f: number) => (f > 0 ? uniform(Math.max(0, 1 - f), 1 + f) : 1);
  const plans: ImageAugment[] = [];
  for (let i = 0; i < n; i++) {
    // RandomCrop.get_params on the padded image: i, j uniform integers in [0, 2·padding].
    const cropTop = spec.crop ? randint(2 * CROP_PADDING + 1) : CROP_PADDING;
    const cropLeft = spec.crop ? randint(2 * CROP_PADDING + 1) : CROP_PADDING;
    const flip = spec.flip ? rng.next() < 0.5 : false;
    const brightness = jitter ? factor(jitter.brightness) : 1;
    const contrast = jitter ? factor(jitter.contrast) : 1;
    const saturation = jitter ? factor(jitter.saturation) : 1;
    const hue = jitter && jitter.hue > 0 ? uniform(-jitter.hue, jitter.hue) : 0;
    const erase =
      spec.randomErasing > 0 && rng.next() < spec.randomErasing ? eraseBox(size, size, rng) : null;
    plans.push({ cropTop, cropLeft, flip, brightness, contrast, saturation, hue, erase });
  }
  return plans;
}

/**
 * RandomErasing.get_params with scale (0.02, 0.33), ratio (0.3, 3.3): up to 10 tries at a box
 * whose area and log aspect ratio are uniform; null (leave the image alone) if none fits.
 */
function eraseBox(imgH: number, imgW: number, rng: Rng): ImageAugment['erase'] {
  const area = imgH * imgW;
  const logLo = Math.log(0.3);
  const logHi = Math.log(3.3);
  for (let attempt = 0; attempt < 10; attempt++) {
    const eraseArea = area * (0.02 + (0.33 - 0.02) * rng.next());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.next());
    const height = roundHalfEven(Math.sqrt(eraseArea * aspect));
    const width = roundHalfEven(Math.sqrt(eraseArea / aspect));
    if (!(height < imgH && width < imgW)) continue;
    const top = Math.floor(rng.next() * (imgH - height + 1));
    const left = Math.floor(rng.next() * (imgW - width + 1));
    return { top, left, height, width };
  }
  return null;
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Applies a plan to a batch x (NHWC float32 in [0, 1], as toTensor makes it) and normalises.
 * Returns a new tensor; x is left to the caller.
 */
export function applyAugment(
  x: tf.Tensor4D,
  plans: readonly ImageAugment[],
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (plans.length !== n) throw new Error(`${plans.length} plans for a batch of ${n}`);
  return tf.tidy(() => {
    let y = cropAndFlip(x, plans);
    const perImage = (pick: (p: ImageAugment) => number) =>
      tf.tensor4d(Float32Array.from(plans, pick), [n, 1, 1, 1]);
    // Each adjustment only when some image uses it: with ColorJitter off, none runs.
    if (plans.some((p) => p.brightness !== 1)) {
      // adjust_brightness = _blend(img, 0, f) = clamp(f·img, 0, 1).
      y = y.mul(perImage((p) => p.brightness)).clipByValue(0, 1) as tf.Tensor4D;
    }
    if (plans.some((p) => p.contrast !== 1)) {
      // adjust_contrast = _blend(img, mean(grayscale(img)) per image, f).
      y = blend(
        y,
        grayscale(y).mean([1, 2, 3], true),
        perImage((p) => p.contrast),
      );
    }
    if (plans.some((p) => p.saturation !== 1)) {
      // adjust_saturation = _blend(img, grayscale(img) per pixel, f).
      y = blend(
        y,
        grayscale(y),
        perImage((p) => p.saturation),
      );
    }
    if (plans.some((p) => p.hue !== 0))
      y = adjustHue(
        y,
        perImage((p) => p.hue),
      );
    y = normalize(y, mean, std);
    if (plans.some((p) => p.erase)) {
      // RandomErasing(value=0) after Normalize: a host-built 0/1 mask, one multiply.
      const mask = new Float32Array(n * h * w).fill(1);
      plans.forEach((p, i) => {
        if (!p.erase) return;
        const { top, left, height, width } = p.erase;
        for (let r = top; r < top + height; r++) {
          mask.fill(0, (i * h + r) * w + left, (i * h + r) * w + left + width);
        }
      });
      y = y.mul(tf.tensor4d(mask, [n, h, w, 1]));
    }
    return y;
  });
}

/** planAugment then applyAugment: one training batch, augmented and normalised. */
export function augmentBatch(
  x: tf.Tensor4D,
  spec: AugmentSpec,
  rng: Rng,
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  return applyAugment(x, planAugment(x.shape[0], spec, rng, x.shape[1]), mean, std);
}

/**
 * RandomCrop with zero padding and the horizontal flip as one gather over all pixels of the
 * batch, with a zero row appended for the padding. Why a gather: it is a single kernel on every
 * backend and exact by construction (integer indices). Per-image slice + stack costs one
 * dispatch per image; tf.image.cropAndResize('nearest') could do it in one op too, but only
 * through float box coordinates rounded by each backend, and its out-of-image test would need
 * the padding added first anyway.
 */
function cropAndFlip(x: tf.Tensor4D, plans: readonly ImageAugment[]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const moved = plans.some((p) => p.cropTop !== CROP_PADDING || p.cropLeft !== CROP_PADDING);
  if (!moved && !plans.some((p) => p.flip)) return x;
  const zeroRow = n * h * w;
  const index = new Int32Array(n * h * w);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const { cropTop, cropLeft, flip } = plans[i];
    for (let r = 0; r < h; r++) {
      const sr = cropTop - CROP_PADDING + r;
      for (let col = 0; col < w; col++) {
        // The flip mirrors the cropped image: output column col shows crop column w−1−col.
        const sc = cropLeft - CROP_PADDING + (flip ? w - 1 - col : col);
        index[o++] = sr >= 0 && sr < h && sc >= 0 && sc < w ? (i * h + sr) * w + sc : zeroRow;
      }
    }
  }
  const source = tf.concat([x.reshape([n * h * w, c]), tf.zeros([1, c])], 0);
  return tf.gather(source, tf.tensor1d(index, 'int32')).reshape([n, h, w, c]);
}

/** torchvision rgb_to_grayscale: 0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of 1. */
function grayscale(x: tf.Tensor4D): tf.Tensor4D {
  const [r, g, b] = tf.split(x, 3, 3);
  return r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114));
}

/** torchvision _blend: clamp(ratio·img + (1 − ratio)·other, 0, 1). */
function blend(img: tf.Tensor4D, other: tf.Tensor, ratio: tf.Tensor): tf.Tensor4D {
  return img
    .mul(ratio)
    .add(other.mul(tf.scalar(1).sub(ratio)))
    .clipByValue(0, 1) as tf.Tensor4D;
}

/**
 * torchvision adjust_hue on float images: RGB → HSV (_rgb2hsv), h = (h + shift) mod 1,
 * HSV → RGB (_hsv2rgb), transcribed op for op with where() in place of the mask products.
 */
function adjustHue(x: tf.Tensor4D, shift: tf.Tensor): tf.Tensor4D {
  const [r, g, b] = tf.split(x, 3, 3);
  const maxc = x.max(3, true);
  const minc = x.min(3, true);
  const eqc = maxc.equal(minc);
  const cr = maxc.sub(minc);
  const ones = tf.onesLike(maxc);
  // Grey pixels (max = min) would divide by zero; torchvision divides by 1 instead (s = 0, h = 0).
  const s = cr.div(tf.where(eqc, ones, maxc));
  const crDivisor = tf.where(eqc, ones, cr);
  const rc = maxc.sub(r).div(crDivisor);
  const gc = maxc.sub(g).div(crDivisor);
  const bc = maxc.sub(b).div(crDivisor);
  const hRaw = tf.where(
    maxc.equal(r),
    bc.sub(gc),
    tf.where(maxc.equal(g), rc.sub(bc).add(2), gc.sub(rc).add(4)),
  );
  const h = hRaw.div(6).add(1).mod(1).add(shift).mod(1);
  const v = maxc;
  const h6 = h.mul(6);
  const i = h6.floor();
  const f = h6.sub(i);
  const p = v.mul(tf.scalar(1).sub(s)).clipByValue(0, 1);
  const q = v.mul(tf.scalar(1).sub(s.mul(f))).clipByValue(0, 1);
  const t = v.mul(tf.scalar(1).sub(s.mul(tf.scalar(1).sub(f)))).clipByValue(0, 1);
  // h·6 can round up to 6 for h just below 1: i mod 6 maps it to sector 0, as torchvision.
  const sector = i.mod(6);
  const select = (values: tf.Tensor[]) =>
    values.slice(0, 5).reduceRight((acc, val, k) => tf.where(sector.equal(k), val, acc), values[5]);
  return tf.concat(
    [select([v, q, p, p, t, v]), select([t, v, v, q, p, p]), select([p, p, t, v, v, q])],
    3,
  ) as tf.Tensor4D;
}
