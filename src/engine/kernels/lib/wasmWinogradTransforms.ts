// The transforms of our Winograd convs (wasmWinogradPrograms.ts) as WASM SIMD programs: the
// filter's U = G g Gᵀ, each tile's input V = Bᵀ d B, output Aᵀ M A and dy block A dy Aᵀ, and
// the filter gradient's Gᵀ Z G. One emitter (transform2D) writes them all from the
// algorithm's matrices (winograd.ts), four channels to a vector.

import { FunctionBuilder } from './wasmAssembler';
import type { ConvShape } from './wasmConvPrograms';
import { algorithmOf, transpose, winogradBytes } from './winograd';

/**
 * Emits Y = T P Tᵀ for one 4-channel vector: P (n × n, `load(i, j)` pushes P[i][j]) through T
 * (k × n) along its columns, then its rows; `store(r, c, emit)` gets each Y[r][c], `emit()`
 * pushing it. Each output is a sum of the inputs times T's constants: ±1 as adds and
 * subtracts, others multiplied by splat constants made once at the function's start.
 */
function transform2D(
  f: FunctionBuilder,
  T: number[][],
  load: (i: number, j: number) => void,
  store: (r: number, c: number, emit: () => void) => void,
) {
  const [k, n] = [T.length, T[0].length];
  const constants = new Map<number, number>();
  for (const c of T.flat().map(Math.abs)) {
    if (c === 0 || c === 1 || constants.has(c)) continue;
    const local = f.local('v128');
    constants.set(c, local);
  }
  const row = Array.from({ length: n }, () => f.local('v128'));
  const half = Array.from({ length: n * k }, () => f.local('v128'));
  const zero = f.local('v128');
  // The constants' splats: emitted where the body starts (the caller's loops come after).
  const prologue = () => {
    f.f32Const(0).f32x4Splat().set(zero);
    for (const [c, local] of constants) f.f32Const(c).f32x4Splat().set(local);
  };
  /** Σ_j coefficients[j] · x[j], a positive term first where there is one. */
  const combination = (coefficients: number[], x: number[]) => {
    const terms = coefficients.flatMap((c, j) => (c === 0 ? [] : [{ c, j }]));
    terms.sort((p, q) => Number(q.c > 0) - Number(p.c > 0));
    terms.forEach(({ c, j }, index) => {
      const size = Math.abs(c);
      if (index === 0 && c < 0) f.get(zero);
      f.get(x[j]);
      if (size !== 1) f.get(constants.get(size)!).f32x4Mul();
      if (index === 0 && c > 0) return;
      if (c > 0) f.f32x4Add();
      else f.f32x4Sub();
    });
  };
  const body = () => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        load(i, j);
        f.set(row[j]);
      }
      for (let c = 0; c < k; c++) {
        combination(T[c], row);
        f.set(half[i * k + c]);
      }
    }
    for (let c = 0; c < k; c++) {
      const column = Array.from({ length: n }, (_, i) => half[i * k + c]);
      for (let r = 0; r < k; r++) store(r, c, () => combination(T[r], column));
    }
  };
  return { prologue, body };
}

/**
 * weights(w, u): U[ci][ξ][co] = (G g Gᵀ)[ξ] for the filter g = w[·, ·, ci, co] (HWIO, ci of
 * its group), four output channels at a time. One thread: it is small.
 */
export function weightTransformProgram(s: ConvShape): FunctionBuilder {
  const a = algorithmOf(s);
  const f = new FunctionBuilder('winogradWeights', ['i32', 'i32']);
  const [W, U] = [0, 1];
  const CO = s.outChannels * 4;
  const ciPerGroup = s.inChannels / s.groups;
  const ci = f.local('i32');
  const co = f.local('i32');
  const pW = f.local('i32');
  const pU = f.local('i32');
  const t = transform2D(
    f,
    a.G,
    (kh, kw) => f.get(pW).v128Load((kh * 3 + kw) * ciPerGroup * CO),
    (r, c, emit) => {
      f.get(pU);
      emit();
      f.v128Store((r * a.alpha + c) * CO);
    },
  );
  t.prologue();
  f.i32(0).set(ci);
  f.doWhile(ci, 1, ciPerGroup, () => {
    f.get(W).get(ci).i32(CO).mul().add().set(pW);
    f.get(U)
      .get(ci)
      .i32(a.alpha * a.alpha * CO)
      .mul()
      .add()
      .set(pU);
    f.i32(0).set(co);
    f.doWhile(co, 16, CO, () => {
      t.body();
      f.addTo(pW, 16).addTo(pU, 16);
    });
  });
  return f;
}

/**
 * The loops the per-image transforms share: over an image's tiles (m × m outputs, rows of
 * OW/m) and each tile's 16-byte channel vectors. The image pointer (param `image`) steps m rows
 * of `row` bytes and m pixels of `pixel` bytes a tile, the packed one (param `packed`, α²
 * values a tile and channel: V, M or D) α² · `pixel` bytes; `body` runs with locals on the
 * vector in both.
 */
function tileLoops(
  f: FunctionBuilder,
  s: ConvShape,
  params: { image: number; packed: number },
  bytes: { row: number; pixel: number },
  body: (pImage: number, pPacked: number) => void,
) {
  const a = algorithmOf(s);
  const { row, pixel } = bytes;
  const th = f.local('i32');
  const tw = f.local('i32');
  const c = f.local('i32');
  const pRow = f.local('i32');
  const pImage = f.local('i32');
  const pPacked = f.local('i32');
  f.get(params.packed).set(pPacked);
  f.i32(0).set(th);
  f.doWhile(th, 1, s.outHeight / a.m, () => {
    f.get(params.image)
      .get(th)
      .i32(a.m * row)
      .mul()
      .add()
      .set(pRow);
    f.i32(0).set(tw);
    f.doWhile(tw, 1, s.outWidth / a.m, () => {
      f.get(pRow)
        .get(tw)
        .i32(a.m * pixel)
        .mul()
        .add()
        .set(pImage);
      f.i32(0).set(c);
      f.doWhile(c, 16, pixel, () => {
        body(pImage, pPacked);
        f.addTo(pImage, 16).addTo(pPacked, 16);
      });
      // The tile's α² rows of `pixel` bytes: the c loop advanced one.
      f.addTo(pPacked, (a.alpha * a.alpha - 1) * pixel);
    });
  });
}

/**
 * A per-image transform(image, packed) program: each tile's block of the image (T's input
 * side of pixels square at m·tile, `channels` wide, rows `width` pixels long) through T into
 * the packed values (α² a tile), or from them into the image's m × m block when `toImage`.
 */
function tileTransformProgram(
  name: string,
  s: ConvShape,
  T: number[][],
  channels: number,
  width: number,
  toImage: boolean,
): FunctionBuilder {
  const a = algorithmOf(s);
  const f = new FunctionBuilder(name, ['i32', 'i32']);
  const pixel = channels * 4;
  const row = width * pixel;
  let pImage = 0;
  let pPacked = 0;
  const t = transform2D(
    f,
    T,
    (i, j) =>
      toImage
        ? f.get(pPacked).v128Load((i * a.alpha + j) * pixel)
        : f.get(pImage).v128Load(i * row + j * pixel),
    (r, c, emit) => {
      if (toImage) {
        f.get(pImage);
        emit();
        f.v128Store(r * row + c * pixel);
      } else {
        f.get(pPacked);
        emit();
        f.v128Store((r * a.alpha + c) * pixel);
      }
    },
  );
  t.prologue();
  const params = toImage ? { image: 1, packed: 0 } : { image: 0, packed: 1 };
  tileLoops(f, s, params, { row, pixel }, (image, packed) => {
    [pImage, pPacked] = [image, packed];
    t.body();
  });
  return f;
}

/** inputTransform(x, v): one padded image x [OH + 2, OW + 2, ci] into V = Bᵀ d B per tile. */
export const inputTransformProgram = (s: ConvShape) =>
  tileTransformProgram('inputTransform', s, algorithmOf(s).BT, s.inChannels, s.inWidth, false);

/** outputTransform(m, y): each tile's M into its m × m outputs Aᵀ M A of y [OH, OW, co]. */
export const outputTransformProgram = (s: ConvShape) =>
  tileTransformProgram('outputTransform', s, algorithmOf(s).AT, s.outChannels, s.outWidth, true);

/** dyTransform(dy, d): one image's dy [OH, OW, co] into D = A dy Aᵀ of each m × m block. */
export const dyTransformProgram = (s: ConvShape) =>
  tileTransformProgram(
    'dyTransform',
    s,
    transpose(algorithmOf(s).AT),
    s.outChannels,
    s.outWidth,
    false,
  );

/**
 * filterFromSums(z, dw): dw[kh, kw, ci, co] = (Gᵀ Z G)[kh][kw] of the sums Z[ci][ξ][co] (ci of
 * its group), Z being the sum of `parts` partial sums that follow each other from z
 * (winogradBytes' u apart: one per thread).
 */
export function filterFromSumsProgram(s: ConvShape, parts = 1): FunctionBuilder {
  const a = algorithmOf(s);
  const f = new FunctionBuilder('filterFromSums', ['i32', 'i32']);
  const [Z, DW] = [0, 1];
  const CO = s.outChannels * 4;
  const ciPerGroup = s.inChannels / s.groups;
  const partBytes = winogradBytes(s).u;
  const ci = f.local('i32');
  const co = f.local('i32');
  const pZ = f.local('i32');
  const pDw = f.local('i32');
  const t = transform2D(
    f,
    transpose(a.G),
    (r, c) => {
      const at = (r * a.alpha + c) * CO;
      f.get(pZ).v128Load(at);
      for (let p = 1; p < parts; p++)
        f.get(pZ)
          .v128Load(at + p * partBytes)
          .f32x4Add();
    },
    (kh, kw, emit) => {
      f.get(pDw);
      emit();
      f.v128Store((kh * 3 + kw) * ciPerGroup * CO);
    },
  );
  t.prologue();
  f.i32(0).set(ci);
  f.doWhile(ci, 1, ciPerGroup, () => {
    f.get(Z)
      .get(ci)
      .i32(a.alpha * a.alpha * CO)
      .mul()
      .add()
      .set(pZ);
    f.get(DW).get(ci).i32(CO).mul().add().set(pDw);
    f.i32(0).set(co);
    f.doWhile(co, 16, CO, () => {
      t.body();
      f.addTo(pZ, 16).addTo(pDw, 16);
    });
  });
  return f;
}
