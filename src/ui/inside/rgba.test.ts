import { describe, expect, it } from 'vitest';
import { grayToRgba, planarToRgba, rgbToRgba } from './rgba';

describe('pixel conversions for the canvases', () => {
  it('RGB, grayscale and planar CIFAR bytes become opaque RGBA', () => {
    expect([...rgbToRgba(Uint8Array.from([1, 2, 3, 4, 5, 6]))]).toEqual([
      1, 2, 3, 255, 4, 5, 6, 255,
    ]);
    expect([...grayToRgba(Uint8Array.from([7, 9]))]).toEqual([7, 7, 7, 255, 9, 9, 9, 255]);
    // Two pixels: R plane (1, 2), G plane (3, 4), B plane (5, 6).
    expect([...planarToRgba(Uint8Array.from([1, 2, 3, 4, 5, 6]))]).toEqual([
      1, 3, 5, 255, 2, 4, 6, 255,
    ]);
  });
});
