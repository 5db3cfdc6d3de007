// Winograd convolution for our WASM convs (wasmConv.ts): the 3×3 stride-1 convs that are most
// of a ResNet's multiply-adds, forward, input gradient and filter gradient. F(2×2, 3×3) takes
// 16 multiply-adds per 2×2 outputs (or dy values) and channel pair instead of 36 where the
// output's sides are even; F(4×4, 3×3), 36 per 4×4 instead of 144, where they are multiples of
// 4 and the shape asks for it (largestTile 4: see wasmConv.ts for why it is not the default).
// Lavin & Gray 2015; the matrices below are theirs.
//
// Why: our direct programs (wasmConvPrograms.ts) already run at the machine's 128-bit FMA
// peak (~40 GFLOP/s a core, the same as a C loop of independent FMAs), so only fewer
// multiply-adds make a step faster. With m × m output tiles and α = m + 2, per image, on one
// thread:
//   1. input transform: each α × α patch (stride m) of the padded input, 4 channels at a
//      time, becomes α² values V[tile][ξ][ci] = (Bᵀ d B)[ξ];
//   2. α² GEMMs M[ξ] = V[ξ] · U[ξ], one per ξ: that is a grouped 1×1 conv with α² groups, so
//      the direct forward program runs it (channels ξ·ci and ξ·co, filter U[ci][ξ][co]);
//   3. output transform: each tile's m × m outputs Aᵀ M A.
// One image's V and M stay in the thread's scratch, so they are read back from cache. The
// filter's U = G g Gᵀ is made once per call.
//
// The filter gradient uses the same identity the other way round (Σ_ξ Aᵀ[i][ξ] G[ξ][k] Bᵀ[ξ][j]
// = [j = i + k]): dw = Gᵀ [Σ_tiles (Bᵀ x B) ⊙ (A dy Aᵀ)] G, so V is the forward's input
// transform, D = A dy Aᵀ of each m × m block of dy, their per-ξ sums over tiles are the direct
// filter-gradient program as a grouped 1×1 conv, and Gᵀ Z G makes the 3×3 filter at the end.

import { FunctionBuilder } from './wasmAssembler';
import { filterGradProgram, forwardProgram, lanesFor, type ConvShape } from './wasmConvPrograms';

/** One Winograd algorithm F(m × m, 3 × 3): Bᵀ (α × α), G (α × 3), Aᵀ (m × α), α = m + 2. */
interface Algorithm {
  m: number;
  alpha: number;
  BT: number[][];
  G: number[][];
  AT: number[][];
}

const F2: Algorithm = {
  m: 2,
  alpha: 4,
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

const F4: Algorithm = {
  m: 4,
  alpha: 6,
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

const transpose = (t: number[][]) => t[0].map((_, j) => t.map((row) => row[j]));

/**
 * The algorithm `s` runs as, or null: 3×3, stride 1, a packed output whose sides are multiples
 * of 4 (F4, where s.largestTile is 4) or even (F2), channels in fours and a group's output
 * channels that tile.
 */
export function winogradAlgorithm(s: ConvShape): Algorithm | null {
  const packed =
    !s.outLayout ||
    (s.outLayout.pixel === 1 &&
      s.outLayout.row === s.outWidth &&
      s.outLayout.image === s.outHeight * s.outWidth);
  const fits =
    s.filterHeight === 3 &&
    s.filterWidth === 3 &&
    s.stride === 1 &&
    packed &&
    s.inHeight === s.outHeight + 2 &&
    s.inWidth === s.outWidth + 2 &&
    s.inChannels % 4 === 0 &&
    s.outChannels % 4 === 0 &&
    lanesFor(s.outChannels / s.groups) !== 0;
  if (!fits) return null;
  if (s.largestTile === 4 && s.outHeight % 4 === 0 && s.outWidth % 4 === 0) return F4;
  if (s.outHeight % 2 === 0 && s.outWidth % 2 === 0) return F2;
  return null;
}

function algorithmOf(s: ConvShape): Algorithm {
  const a = winogradAlgorithm(s);
  if (!a) throw new Error(`Winograd programs: shape ${JSON.stringify(s)} does not fit`);
  return a;
}

const tilesOf = (s: ConvShape, a: Algorithm) => (s.outHeight / a.m) * (s.outWidth / a.m);

/** Bytes of U (or Z), and of one thread's V and M (or D), one image each. */
export function winogradBytes(s: ConvShape) {
  const a = algorithmOf(s);
  const values = tilesOf(s, a) * a.alpha * a.alpha;
  return {
    u: a.alpha * a.alpha * (s.inChannels / s.groups) * s.outChannels * 4,
    v: values * s.inChannels * 4,
    m: values * s.outChannels * 4,
  };
}

/**
 * The α² GEMMs as one grouped 1×1 conv over a row of tiles; with groups, α² of them each (group
 * (ξ, g) reads channels ξ·ci + g·ci/groups on and writes ξ·co + g·co/groups on).
 */
function gemmShape(s: ConvShape): ConvShape {
  const a = algorithmOf(s);
  const tiles = tilesOf(s, a);
  const values = a.alpha * a.alpha;
  return {
    batch: 1,
    inHeight: 1,
    inWidth: tiles,
    inChannels: values * s.inChannels,
    outHeight: 1,
    outWidth: tiles,
    outChannels: values * s.outChannels,
    filterHeight: 1,
    filterWidth: 1,
    stride: 1,
    groups: values * s.groups,
  };
}

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
const inputTransformProgram = (s: ConvShape) =>
  tileTransformProgram('inputTransform', s, algorithmOf(s).BT, s.inChannels, s.inWidth, false);

/** outputTransform(m, y): each tile's M into its m × m outputs Aᵀ M A of y [OH, OW, co]. */
const outputTransformProgram = (s: ConvShape) =>
  tileTransformProgram('outputTransform', s, algorithmOf(s).AT, s.outChannels, s.outWidth, true);

/** dyTransform(dy, d): one image's dy [OH, OW, co] into D = A dy Aᵀ of each m × m block. */
const dyTransformProgram = (s: ConvShape) =>
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

/**
 * Images the filter gradient transforms before one call of its sums: at least 64 tiles, so
 * that the sums stay in registers that long before they join Z in memory (at 8×8 one image
 * has 4 tiles of 4×4). Node, one thread, ResNet-20's three shapes: 2.8 / 2.8–3.8 / 3.1–3.5 ms
 * at 64 tiles, against 4.1–4.9 / 3.8–3.9 / 4.2–4.3 at 128 (V and D then outgrow the cache)
 * and 3.2–3.8 / 2.5–3.2 / 3.3–3.6 at 32 (`scratch` timing of the kernel, runs interleaved).
 */
export function filterGradBlock(s: ConvShape): number {
  return Math.max(1, Math.floor(64 / tilesOf(s, algorithmOf(s))));
}

/**
 * The module behind one Winograd filter gradient: filterGradSums(x, dy, z, v, d, n0, n1) adds
 * images n0 ≤ n < n1's per-ξ sums into z (zeroed by the caller; filterFromSumsProgram turns
 * them into dw), through the thread's scratch v and d: filterGradBlock images of
 * winogradBytes' v and m, transformed one block at a time, a short last block padded with
 * zeros (which add nothing).
 */
export function winogradFilterGradPrograms(s: ConvShape, fused: boolean): FunctionBuilder[] {
  const block = filterGradBlock(s);
  const input = inputTransformProgram(s); // 0
  const dyTransform = dyTransformProgram(s); // 1
  const gemm = gemmShape(s);
  const sums = filterGradProgram({ ...gemm, inHeight: block, outHeight: block }, fused); // 2
  const f = new FunctionBuilder('filterGradSums', [
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  const [X, DY, Z, V, D, N0, N1] = [0, 1, 2, 3, 4, 5, 6];
  const inImage = s.inHeight * s.inWidth * s.inChannels * 4;
  const dyImage = s.outHeight * s.outWidth * s.outChannels * 4;
  const { v: vImage, m: dImage } = winogradBytes(s);
  const n = f.local('i32');
  const j = f.local('i32');
  const pV = f.local('i32');
  const pD = f.local('i32');
  f.get(N0).set(n);
  f.loopWhile(
    () => {
      f.get(V).set(pV).get(D).set(pD).i32(0).set(j);
      f.loopWhile(
        () => {
          f.get(X).get(n).i32(inImage).mul().add().get(pV).call(0);
          f.get(DY).get(n).i32(dyImage).mul().add().get(pD).call(1);
          f.addTo(n, 1).addTo(j, 1).addTo(pV, vImage).addTo(pD, dImage);
        },
        () => f.get(j).i32(block).ne().get(n).get(N1).ne().and(),
      );
      // The block's images past the last: zeros (memory.fill of 0 bytes when it is full).
      f.get(pV).i32(0).i32(block).get(j).sub().i32(vImage).mul().memoryFill();
      f.get(pD).i32(0).i32(block).get(j).sub().i32(dImage).mul().memoryFill();
      f.get(V).get(D).get(Z).i32(0).i32(1).call(2);
    },
    () => f.get(n).get(N1).ne(),
  );
  return [input, dyTransform, sums, f];
}

/**
 * The module behind one Winograd conv: winograd(x, u, y, v, m, n0, n1) runs images n0 ≤ n < n1
 * of the padded input x into y with the transformed filter u (weightTransformProgram), through
 * the thread's scratch v and m (winogradBytes). The functions call each other by position.
 */
export function winogradPrograms(s: ConvShape, fused: boolean): FunctionBuilder[] {
  const input = inputTransformProgram(s); // 0
  const gemm = forwardProgram(gemmShape(s), fused); // 1
  const output = outputTransformProgram(s); // 2
  const f = new FunctionBuilder('winograd', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [X, U, Y, V, M, N0, N1] = [0, 1, 2, 3, 4, 5, 6];
  const inImage = s.inHeight * s.inWidth * s.inChannels * 4;
  const outImage = s.outHeight * s.outWidth * s.outChannels * 4;
  const n = f.local('i32');
  f.get(N0).set(n);
  f.doWhile(
    n,
    1,
    () => f.get(N1),
    () => {
      f.get(X).get(n).i32(inImage).mul().add().get(V).call(0);
      f.get(V).get(U).get(M).i32(0).i32(1).call(1);
      f.get(M).get(Y).get(n).i32(outImage).mul().add().call(2);
    },
  );
  return [input, gemm, output, f];
}
