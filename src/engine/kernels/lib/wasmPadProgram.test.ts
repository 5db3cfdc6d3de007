// The pad program against a plain JavaScript reference: every byte of a share's padded images
// written (zeros where nothing lands, garbage overwritten), nothing outside the share touched.
import { describe, expect, it } from 'vitest';
import { assemble } from './wasmAssembler';
import { padProgram, type PadShape } from './wasmPadProgram';

function reference(src: Float32Array, s: PadShape, images: number): Float32Array {
  const out = new Float32Array(images * s.outHeight * s.outWidth * s.channels);
  for (let n = 0; n < images; n++)
    for (let y = 0; y < s.height; y++)
      for (let x = 0; x < s.width; x++)
        for (let c = 0; c < s.channels; c++) {
          const [oy, ox] = [y + s.top, x + s.left];
          if (oy >= s.outHeight || ox >= s.outWidth) continue;
          out[((n * s.outHeight + oy) * s.outWidth + ox) * s.channels + c] =
            src[((n * s.height + y) * s.width + x) * s.channels + c];
        }
  return out;
}

const CASES: [string, PadShape][] = [
  [
    'a 3×3 conv’s pad 1',
    { height: 5, width: 4, channels: 4, top: 1, left: 1, outHeight: 7, outWidth: 6 },
  ],
  [
    'the last row and column dropped (stride 2)',
    { height: 6, width: 6, channels: 8, top: 1, left: 1, outHeight: 7, outWidth: 7 },
  ],
  [
    'no padding, cropped',
    { height: 5, width: 5, channels: 3, top: 0, left: 0, outHeight: 4, outWidth: 3 },
  ],
  [
    'uneven margins',
    { height: 3, width: 2, channels: 2, top: 2, left: 0, outHeight: 6, outWidth: 5 },
  ],
];

describe('padProgram', () => {
  for (const [what, shape] of CASES) {
    it(what, () => {
      const images = 3;
      const inFloats = images * shape.height * shape.width * shape.channels;
      const outFloats = images * shape.outHeight * shape.outWidth * shape.channels;
      const memory = new WebAssembly.Memory({ initial: 1 });
      const heap = new Float32Array(memory.buffer);
      const [src, dst] = [64, 64 + inFloats + 16];
      for (let i = 0; i < inFloats; i++) heap[src + i] = i + 1;
      heap.fill(-7, dst - 4, dst + outFloats + 4);
      const module = new WebAssembly.Module(
        assemble([padProgram(shape)], { shared: false, maximumPages: 1 }),
      );
      const pad = new WebAssembly.Instance(module, { env: { memory } }).exports.pad as (
        ...a: number[]
      ) => void;
      // Two shares, as two threads would run them.
      pad(src * 4, dst * 4, 0, 1);
      pad(src * 4, dst * 4, 1, images);
      const expected = reference(heap.subarray(src, src + inFloats), shape, images);
      expect(Array.from(heap.subarray(dst, dst + outFloats))).toEqual(Array.from(expected));
      expect(Array.from(heap.subarray(dst - 4, dst))).toEqual([-7, -7, -7, -7]);
      expect(Array.from(heap.subarray(dst + outFloats, dst + outFloats + 4))).toEqual([
        -7, -7, -7, -7,
      ]);
    });
  }
});
