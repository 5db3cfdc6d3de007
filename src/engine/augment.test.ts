import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AugmentSpec } from '../spec/types';
import { createRng } from '../spec/random';
import {
  applyAugment,
  augmentBatch,
  CIFAR100_STATS,
  normalize,
  planAugment,
  toTensor,
  type ImageAugment,
} from './augment';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const S = 32;
const NO_NORM = { mean: [0, 0, 0], std: [1, 1, 1] };
const OFF: AugmentSpec = { crop: false, flip: false, colorJitter: null, randomErasing: 0 };
const IDENTITY: ImageAugment = {
  cropTop: 4,
  cropLeft: 4,
  flip: false,
  brightness: 1,
  contrast: 1,
  saturation: 1,
  hue: 0,
  erase: null,
};

/** A hand-made batch whose every value tells where it came from; all in (0, 1]. */
function source(img: number, r: number, c: number, ch: number) {
  return (1 + r * S * 3 + c * 3 + ch + img * 0.5) / (S * S * 3 + 1);
}

function makeBatch(n: number) {
  const data = new Float32Array(n * S * S * 3);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < S; r++)
      for (let c = 0; c < S; c++)
        for (let ch = 0; ch < 3; ch++) data[((i * S + r) * S + c) * 3 + ch] = source(i, r, c, ch);
  return tf.tensor4d(data, [n, S, S, 3]);
}

/** The value torchvision's RandomCrop(padding=4) + flip produce at (r, c), from the plan. */
function expectedCropFlip(img: number, p: ImageAugment, r: number, c: number, ch: number) {
  const sr = p.cropTop - 4 + r;
  const sc = p.cropLeft - 4 + (p.flip ? S - 1 - c : c);
  return sr >= 0 && sr < S && sc >= 0 && sc < S ? source(img, sr, sc, ch) : 0;
}

function expectBatch(y: tf.Tensor4D, f: (i: number, r: number, c: number, ch: number) => number) {
  const got = y.dataSync();
  const [n] = y.shape;
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let r = 0; r < S; r++)
      for (let c = 0; c < S; c++)
        for (let ch = 0; ch < 3; ch++) {
          const k = ((i * S + r) * S + c) * 3 + ch;
          worst = Math.max(worst, Math.abs(got[k] - f(i, r, c, ch)));
        }
  expect(worst).toBeLessThan(1e-6);
}

describe('toTensor', () => {
  it('turns CIFAR CHW bytes into NHWC floats / 255', () => {
    const n = 2;
    const bytes = new Uint8Array(n * 3072);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 256;
    const x = toTensor(bytes, n);
    expect(x.shape).toEqual([n, S, S, 3]);
    const got = x.dataSync();
    for (const [img, r, c, ch] of [
      [0, 0, 0, 0],
      [0, 0, 1, 2],
      [1, 5, 31, 1],
      [1, 31, 31, 2],
    ]) {
      const byte = bytes[img * 3072 + ch * 1024 + r * 32 + c];
      expect(got[((img * S + r) * S + c) * 3 + ch]).toBe(Math.fround(byte / 255));
    }
    expect(() => toTensor(bytes, 3)).toThrow();
    x.dispose();
  });
});

describe('normalize', () => {
  it('computes (x − mean) / std per channel', () => {
    const x = tf.tensor4d([0.5, 0.25, 1], [1, 1, 1, 3]);
    const { mean, std } = CIFAR100_STATS;
    const got = normalize(x, mean, std).dataSync();
    [0.5, 0.25, 1].forEach((v, ch) => expect(got[ch]).toBeCloseTo((v - mean[ch]) / std[ch], 6));
  });
});

describe('crop and flip', () => {
  it('a hand-picked crop shifts the image and fills the padding with zeros', () => {
    const x = makeBatch(2);
    // Image 0: top 0, left 8 → output(r, c) = input(r − 4, c + 4).
    // Image 1: top 8, left 1 → output(r, c) = input(r + 4, c − 3).
    const plans = [
      { ...IDENTITY, cropTop: 0, cropLeft: 8 },
      { ...IDENTITY, cropTop: 8, cropLeft: 1 },
    ];
    const y = applyAugment(x, plans, NO_NORM.mean, NO_NORM.std);
    expectBatch(y, (i, r, c, ch) => expectedCropFlip(i, plans[i], r, c, ch));
    const v = y.dataSync();
    expect(v[((0 * S + 3) * S + 0) * 3]).toBe(0); // row 3 of image 0 is padding
    expect(v[((0 * S + 4) * S + 0) * 3]).toBeCloseTo(source(0, 0, 4, 0), 7);
    expect(v[((1 * S + 0) * S + 5) * 3 + 1]).toBeCloseTo(source(1, 4, 2, 1), 7);
    expect(v[((1 * S + 0) * S + 2) * 3 + 1]).toBe(0); // columns < 3 of image 1 are padding
    expect(v[((1 * S + 28) * S + 5) * 3]).toBe(0); // rows ≥ 28 of image 1 are padding
  });

  it('flip mirrors left–right, like tf.image.flipLeftRight', () => {
    const x = makeBatch(2);
    const y = applyAugment(x, [{ ...IDENTITY, flip: true }, IDENTITY], [0, 0, 0], [1, 1, 1]);
    const mirrored = tf.image.flipLeftRight(x).dataSync();
    const got = y.dataSync();
    const half = S * S * 3;
    expect(Array.from(got.slice(0, half))).toEqual(Array.from(mirrored.slice(0, half)));
    expect(Array.from(got.slice(half))).toEqual(Array.from(x.dataSync().slice(half)));
  });

  it('with a fixed rng: crop offsets in 0…8 and flips, applied as RandomCrop then flip', () => {
    const spec: AugmentSpec = { ...OFF, crop: true, flip: true };
    const n = 6;
    const x = makeBatch(n);
    const plans = planAugment(n, spec, createRng(7));
    // The same seed gives the same plan; the draws are crop top, crop left, flip per image.
    expect(planAugment(n, spec, createRng(7))).toEqual(plans);
    const rng = createRng(7);
    expect(plans[0].cropTop).toBe(Math.floor(rng.next() * 9));
    expect(plans[0].cropLeft).toBe(Math.floor(rng.next() * 9));
    expect(plans[0].flip).toBe(rng.next() < 0.5);
    const y = augmentBatch(x, spec, createRng(7), NO_NORM.mean, NO_NORM.std);
    expectBatch(y, (i, r, c, ch) => expectedCropFlip(i, plans[i], r, c, ch));
    // Over many images every offset shows up and about half are flipped.
    const many = planAugment(2000, spec, createRng(1));
    expect(new Set(many.map((p) => p.cropTop))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    const flips = many.filter((p) => p.flip).length;
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
  });
});

describe('color jitter', () => {
  const gray = (r: number, g: number, b: number) => 0.2989 * r + 0.587 * g + 0.114 * b;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));

  it('brightness, contrast and saturation follow torchvision _blend', () => {
    const x = makeBatch(2);
    const px = x.arraySync();
    const run = (p: Partial<ImageAugment>) =>
      applyAugment(x, [{ ...IDENTITY, ...p }, IDENTITY], [0, 0, 0], [1, 1, 1]);
    // brightness: clamp(f·x).
    expectBatch(run({ brightness: 1.9 }), (i, r, c, ch) =>
      i === 0 ? clamp(1.9 * px[i][r][c][ch]) : px[i][r][c][ch],
    );
    // contrast: blend with the mean grey level of the whole image.
    let sum = 0;
    for (let r = 0; r < S; r++)
      for (let c = 0; c < S; c++) sum += gray(px[0][r][c][0], px[0][r][c][1], px[0][r][c][2]);
    const meanGray = sum / (S * S);
    expectBatch(run({ contrast: 0.7 }), (i, r, c, ch) =>
      i === 0 ? clamp(0.7 * px[i][r][c][ch] + 0.3 * meanGray) : px[i][r][c][ch],
    );
    // saturation: blend with each pixel's grey level.
    expectBatch(run({ saturation: 1.2 }), (i, r, c, ch) => {
      const [R, G, B] = px[i][r][c];
      return i === 0 ? clamp(1.2 * px[i][r][c][ch] - 0.2 * gray(R, G, B)) : px[i][r][c][ch];
    });
  });

  // torchvision _rgb2hsv / _hsv2rgb for one pixel in float64.
  function hueShift([r, g, b]: number[], shift: number) {
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const cr = maxc - minc;
    const s = cr / (maxc === minc ? 1 : maxc);
    const d = maxc === minc ? 1 : cr;
    const [rc, gc, bc] = [(maxc - r) / d, (maxc - g) / d, (maxc - b) / d];
    let h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
    h = (((h / 6 + 1) % 1) + shift + 1) % 1;
    const i = Math.floor(h * 6);
    const f = h * 6 - i;
    const v = maxc;
    const p = clamp(v * (1 - s));
    const q = clamp(v * (1 - s * f));
    const t = clamp(v * (1 - s * (1 - f)));
    const k = i % 6;
    return [[v, q, p, p, t, v][k], [t, v, v, q, p, p][k], [p, p, t, v, v, q][k]];
  }

  it('hue rotates in HSV: red + 1/3 turn = green, and matches the torchvision formulas', () => {
    const colors = [
      [1, 0, 0],
      [0.2, 0.6, 0.4],
      [0.9, 0.3, 0.7],
      [0.5, 0.5, 0.5],
      [0.1, 0.2, 0.95],
      [0.3, 0.3, 0.1],
    ];
    for (const shift of [1 / 3, -0.1, 0.07, 0.5, 0]) {
      const x = tf.tensor4d(colors.flat(), [colors.length, 1, 1, 3]);
      const plans = colors.map(() => ({ ...IDENTITY, hue: shift }));
      const got = Array.from(applyAugment(x, plans, [0, 0, 0], [1, 1, 1]).dataSync());
      const want = colors.flatMap((col) => hueShift(col, shift));
      got.forEach((v, k) =>
        expect(Math.abs(v - want[k]), `shift ${shift} #${k}`).toBeLessThan(1e-6),
      );
    }
    const red = tf.tensor4d([1, 0, 0], [1, 1, 1, 3]);
    const green = applyAugment(red, [{ ...IDENTITY, hue: 1 / 3 }], [0, 0, 0], [1, 1, 1]).dataSync();
    expect(Array.from(green).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 1, 0]);
  });

  it('draws factors in [1 − f, 1 + f] and hue in [−h, h]', () => {
    const spec: AugmentSpec = {
      ...OFF,
      colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.1 },
    };
    const plans = planAugment(500, spec, createRng(3));
    for (const p of plans) {
      for (const f of [p.brightness, p.contrast, p.saturation]) {
        expect(f).toBeGreaterThanOrEqual(0.8);
        expect(f).toBeLessThan(1.2);
      }
      expect(Math.abs(p.hue)).toBeLessThanOrEqual(0.1);
    }
    // A zero factor switches that adjustment off (torchvision turns it into None).
    const onlyHue = planAugment(
      5,
      { ...OFF, colorJitter: { ...spec.colorJitter!, brightness: 0 } },
      createRng(3),
    );
    expect(onlyHue.every((p) => p.brightness === 1)).toBe(true);
  });
});

describe('random erasing', () => {
  it('zeroes one rectangle inside the image after normalisation, sized as torchvision', () => {
    const spec: AugmentSpec = { ...OFF, randomErasing: 1 };
    const { mean, std } = CIFAR100_STATS;
    for (const seed of [1, 2, 3, 4, 5]) {
      const x = makeBatch(3);
      const plans = planAugment(3, spec, createRng(seed));
      const y = augmentBatch(x, spec, createRng(seed), mean, std);
      plans.forEach((p) => {
        expect(p.erase).not.toBeNull();
        const { top, left, height, width } = p.erase!;
        expect(top).toBeGreaterThanOrEqual(0);
        expect(left).toBeGreaterThanOrEqual(0);
        expect(top + height).toBeLessThanOrEqual(S);
        expect(left + width).toBeLessThanOrEqual(S);
        // area ∈ 1024·[0.02, 0.33] before rounding each side to an integer.
        expect(height * width).toBeGreaterThan(0.02 * 1024 * 0.5);
        expect(height * width).toBeLessThan(0.33 * 1024 * 1.5);
      });
      const inBox = (i: number, r: number, c: number) => {
        const e = plans[i].erase!;
        return r >= e.top && r < e.top + e.height && c >= e.left && c < e.left + e.width;
      };
      expectBatch(y, (i, r, c, ch) =>
        inBox(i, r, c) ? 0 : Math.fround(Math.fround(source(i, r, c, ch)) - mean[ch]) / std[ch],
      );
    }
  });

  it('p = 0.25 erases about a quarter of the images', () => {
    const plans = planAugment(4000, { ...OFF, randomErasing: 0.25 }, createRng(9));
    const erased = plans.filter((p) => p.erase).length;
    expect(erased).toBeGreaterThan(900);
    expect(erased).toBeLessThan(1100);
  });
});

describe('augmentBatch', () => {
  it('with everything off is normalisation alone and draws nothing', () => {
    const x = makeBatch(2);
    const rng = createRng(42);
    const { mean, std } = CIFAR100_STATS;
    const y = augmentBatch(x, OFF, rng, mean, std);
    expect(Array.from(y.dataSync())).toEqual(Array.from(normalize(x, mean, std).dataSync()));
    expect(rng.state()).toBe(createRng(42).state());
  });

  it('leaks no tensors with every transform on', () => {
    const spec: AugmentSpec = {
      crop: true,
      flip: true,
      colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.1 },
      randomErasing: 0.5,
    };
    const x = makeBatch(4);
    const rng = createRng(5);
    const { mean, std } = CIFAR100_STATS;
    augmentBatch(x, spec, rng, mean, std).dispose();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const y = augmentBatch(x, spec, rng, mean, std);
      expect(y.shape).toEqual([4, S, S, 3]);
      expect(y.dtype).toBe('float32');
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
