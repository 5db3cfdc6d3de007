// Byte layouts of the inside views → the RGBA an ImageData wants.

/** `pixels` RGB bytes (R, G, B per pixel) → RGBA. */
export function rgbToRgba(rgb: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    out[q] = rgb[p];
    out[q + 1] = rgb[p + 1];
    out[q + 2] = rgb[p + 2];
    out[q + 3] = 255;
  }
  return out;
}

/** Grayscale bytes → RGBA. */
export function grayToRgba(gray: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(gray.length * 4);
  gray.forEach((v, p) => out.set([v, v, v, 255], p * 4));
  return out;
}

/** A CIFAR image as the data layer holds it (1024 R, 1024 G, 1024 B bytes) → RGBA. */
export function planarToRgba(chw: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const plane = chw.length / 3;
  const out = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    out.set([chw[p], chw[plane + p], chw[2 * plane + p], 255], p * 4);
  }
  return out;
}
