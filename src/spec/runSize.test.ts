import { describe, expect, it } from 'vitest';
import { evaluatedOn, imagesShort, testImagesOf, testLimitFor } from './runSize';

describe('the images an accuracy was measured on', () => {
  it('says all of the split, or the first N of it', () => {
    expect(evaluatedOn({ images: 10_000, of: 10_000 })).toBe('on all 10,000 test images');
    expect(evaluatedOn({ images: 1000, of: 10_000 })).toBe(
      'on the first 1,000 of 10,000 test images',
    );
    expect(evaluatedOn({ images: 500, of: 5000 }, 'validation')).toBe(
      'on the first 500 of 5,000 validation images',
    );
    expect(imagesShort({ images: 1000, of: 10_000 })).toBe('first 1,000');
    expect(imagesShort({ images: 100, of: 100 })).toBe('all 100');
  });

  it('reads the recorded counts, else what the run’s test limit implies', () => {
    expect(testImagesOf({ testImages: 50, testSplitImages: 100 }, 1000)).toEqual({
      images: 50,
      of: 100,
    });
    expect(testImagesOf({}, testLimitFor(5000))).toEqual({ images: 1000, of: 10_000 });
    expect(testImagesOf({}, 0)).toEqual({ images: 10_000, of: 10_000 });
  });
});
