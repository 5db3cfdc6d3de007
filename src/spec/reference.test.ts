import { describe, expect, it } from 'vitest';
import { demoById } from './demos';
import {
  canonicalJson,
  downsampleLoss,
  hash53,
  imagesSeen,
  isReferenceFile,
  referenceHash,
  referenceIsFresh,
} from './reference';

const quick = (id: string) => structuredClone(demoById(id)!.sizes.quick);

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });
});

describe('hash53', () => {
  it('is 14 hex digits, stable, and tells close strings apart', () => {
    expect(hash53('')).toMatch(/^[0-9a-f]{14}$/);
    expect(hash53('abc')).toBe(hash53('abc'));
    expect(hash53('abc')).not.toBe(hash53('abd'));
    expect(hash53('a')).not.toBe(hash53('b'));
  });
});

describe('referenceHash', () => {
  it('changes with the networks, the recipe, the image counts and the labels, not key order', () => {
    const plan = quick('degradation');
    const base = referenceHash(plan);
    expect(referenceHash(quick('degradation'))).toBe(base);
    const reordered = {
      ...plan,
      runs: plan.runs.map((r) => ({
        limitTrain: r.limitTrain,
        recipe: r.recipe,
        spec: r.spec,
        label: r.label,
      })),
    };
    expect(referenceHash(reordered)).toBe(base);

    const epochs = quick('degradation');
    epochs.runs[1].recipe.epochs = 4;
    const width = quick('degradation');
    width.runs[0].spec.stem.channels = 32;
    const images = quick('degradation');
    images.runs[2].limitTrain = 5_000;
    const label = quick('degradation');
    label.runs[3].label = 'ResNet-56 (B)';
    for (const changed of [epochs, width, images, label]) {
      expect(referenceHash(changed)).not.toBe(base);
      expect(referenceIsFresh({ hash: base }, changed)).toBe(false);
    }
    expect(referenceIsFresh({ hash: base }, plan)).toBe(true);
    expect(referenceHash(quick('cardinality'))).not.toBe(base);
  });
});

describe('imagesSeen', () => {
  it('counts full batches and the short last one of each epoch', () => {
    // 300 images at batch 128: steps of 128, 256, 300 per epoch.
    expect([1, 2, 3, 4, 6].map((s) => imagesSeen(s, 300, 128))).toEqual([128, 256, 300, 428, 600]);
    expect(imagesSeen(79, 10_000, 128)).toBe(10_000);
    expect(imagesSeen(237, 10_000, 128)).toBe(30_000);
  });
});

describe('downsampleLoss', () => {
  it('keeps short curves and averages long ones into at most 500 points', () => {
    const short: [number, number][] = [
      [1, 2],
      [2, 1],
    ];
    expect(downsampleLoss(short)).toEqual(short);
    const long = Array.from({ length: 1001 }, (_, i): [number, number] => [i + 1, i % 2]);
    const out = downsampleLoss(long);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out[0]).toEqual([3, 1 / 3]); // windows of 3: losses 0, 1, 0 at steps 1–3
    expect(out.at(-1)![0]).toBe(1001);
  });
});

describe('isReferenceFile', () => {
  const file = {
    demo: 'x',
    hash: 'abc',
    device: 'CPU',
    date: '2026-12-01T00:00:00Z',
    trainImages: 10,
    arms: [
      {
        label: 'a',
        loss: [[1, 2.3]],
        epochs: [{ epoch: 1, trainLoss: 2, trainAcc: 10, testLoss: 2, testAcc: 11, seconds: 1 }],
      },
    ],
  };
  it('accepts a well-formed file and rejects broken ones', () => {
    expect(isReferenceFile(file)).toBe(true);
    expect(isReferenceFile(null)).toBe(false);
    expect(isReferenceFile({ ...file, arms: [] })).toBe(false);
    expect(isReferenceFile({ ...file, arms: [{ ...file.arms[0], loss: [[1, 'x']] }] })).toBe(false);
    expect(isReferenceFile({ ...file, hash: 3 })).toBe(false);
  });
});
