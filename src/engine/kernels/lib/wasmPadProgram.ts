// The padded copy our WASM convs read (wasmConv.ts): an NHWC tensor placed at (top, left) of a
// zeroed [n, height, width, c] buffer, pixels that land past the bottom or right dropped. One
// program per shape, bulk-memory copies and fills over a share of the images, so the helper
// threads take part. It replaced a JavaScript copy (fill all, then copy row by row) that took
// 20–24 ms of a ResNet-20 step at batch 32 on one thread: it wrote every byte twice.

import { FunctionBuilder } from './wasmAssembler';

export interface PadShape {
  /** The source image: rows, columns, channels. */
  height: number;
  width: number;
  channels: number;
  /** Where its first pixel goes (≥ 0), and the padded image's size. */
  top: number;
  left: number;
  outHeight: number;
  outWidth: number;
}

/** Rows and columns of the source that land inside the padded image. */
export function padCopied(s: PadShape) {
  return {
    rows: Math.max(0, Math.min(s.height, s.outHeight - s.top)),
    columns: Math.max(0, Math.min(s.width, s.outWidth - s.left)),
  };
}

/**
 * pad(src, dst, from, to): images [from, to) of src into dst, every byte of their padded
 * images written once (zeros or a copy). Needs padCopied(s) rows and columns ≥ 1.
 */
export function padProgram(s: PadShape): FunctionBuilder {
  const { rows, columns } = padCopied(s);
  if (rows < 1 || columns < 1) throw new Error('padProgram: nothing of the source lands inside');
  const pixel = s.channels * 4;
  const rowIn = s.width * pixel;
  const rowOut = s.outWidth * pixel;
  const imageIn = s.height * rowIn;
  const imageOut = s.outHeight * rowOut;
  const before = s.top * rowOut;
  const after = (s.outHeight - s.top - rows) * rowOut;
  const leftBytes = s.left * pixel;
  const copyBytes = columns * pixel;
  const rightBytes = rowOut - leftBytes - copyBytes;

  const f = new FunctionBuilder('pad', ['i32', 'i32', 'i32', 'i32']);
  const [SRC, DST, FROM, TO] = [0, 1, 2, 3];
  const [src, dst, end, row, rowEnd] = ['i32', 'i32', 'i32', 'i32', 'i32'].map(() =>
    f.local('i32'),
  );
  const zeros = (at: () => void, bytes: number) => {
    if (bytes <= 0) return;
    at();
    f.i32(0).i32(bytes).memoryFill();
  };
  // src = SRC + FROM·imageIn; dst = DST + FROM·imageOut; end = DST + TO·imageOut
  f.get(FROM).i32(imageIn).mul().get(SRC).add().set(src);
  f.get(FROM).i32(imageOut).mul().get(DST).add().set(dst);
  f.get(TO).i32(imageOut).mul().get(DST).add().set(end);
  f.doWhile(
    dst,
    imageOut,
    () => f.get(end),
    () => {
      zeros(() => f.get(dst), before);
      f.get(dst).i32(before).add().set(row);
      f.get(row)
        .i32(rows * rowOut)
        .add()
        .set(rowEnd);
      f.doWhile(
        row,
        rowOut,
        () => f.get(rowEnd),
        () => {
          zeros(() => f.get(row), leftBytes);
          f.get(row).i32(leftBytes).add().get(src).i32(copyBytes).memoryCopy();
          zeros(
            () =>
              f
                .get(row)
                .i32(leftBytes + copyBytes)
                .add(),
            rightBytes,
          );
          f.addTo(src, rowIn);
        },
      );
      // The source rows past the padded image's bottom are skipped.
      f.addTo(src, (s.height - rows) * rowIn);
      zeros(() => f.get(row), after);
    },
  );
  return f;
}
