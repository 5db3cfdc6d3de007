// Winograd F(2×2, 3×3) for our WASM convs (wasmConv.ts): the 3×3 stride-1 convs that are most
// of a ResNet's multiply-adds, forward, input gradient and filter gradient, with 16
// multiply-adds per 2×2 outputs (or dy values) and channel pair instead of 36 (Lavin & Gray
// 2015).
//
// Why: our direct programs (wasmConvPrograms.ts) already run at the machine's 128-bit FMA
// peak (~40 GFLOP/s a core, the same as a C loop of independent FMAs), so only fewer
// multiply-adds make a step faster. Per image, on one thread:
//   1. input transform: each 4×4 patch (stride 2) of the padded input, 4 channels at a time,
//      becomes 16 values V[tile][ξ][ci] = (Bᵀ d B)[ξ];
//   2. 16 GEMMs M[ξ] = V[ξ] · U[ξ], one per ξ: that is a grouped 1×1 conv with 16 groups, so
//      the direct forward program runs it (channels ξ·ci and ξ·co, filter U[ci][ξ][co]);
//   3. output transform: each tile's 2×2 outputs Aᵀ M A.
// One image's V and M stay in the thread's scratch (256 KB each at 32×32 × 16 channels), so
// they are read back from cache. The filter's U = G g Gᵀ is made once per call.
//
// The filter gradient uses the same identity the other way round (Σ_ξ Aᵀ[i][ξ] G[ξ][k] Bᵀ[ξ][j]
// = [j = i + k]): dw = Gᵀ [Σ_tiles (Bᵀ x B) ⊙ (A dy Aᵀ)] G, so V is the forward's input
// transform, D = A dy Aᵀ of each 2×2 of dy, their per-ξ sums over tiles are the direct filter-
// gradient program as a grouped 1×1 conv, and Gᵀ Z G makes the 3×3 filter at the end. Row 3
// of A is negated (A = [1 0; 1 1; 1 −1; 0 1]) and column 3 of Gᵀ with it, which leaves dw
// unchanged and spares a negation.

import { FunctionBuilder } from './wasmAssembler';
import { filterGradProgram, forwardProgram, lanesFor, type ConvShape } from './wasmConvPrograms';

/** Whether `s` runs as Winograd: 3×3, stride 1, one group, an even output, packed. */
export function winogradFits(s: ConvShape): boolean {
  const packed =
    !s.outLayout ||
    (s.outLayout.pixel === 1 &&
      s.outLayout.row === s.outWidth &&
      s.outLayout.image === s.outHeight * s.outWidth);
  return (
    s.filterHeight === 3 &&
    s.filterWidth === 3 &&
    s.stride === 1 &&
    s.groups === 1 &&
    packed &&
    s.outHeight % 2 === 0 &&
    s.outWidth % 2 === 0 &&
    s.inHeight === s.outHeight + 2 &&
    s.inWidth === s.outWidth + 2 &&
    s.inChannels % 4 === 0 &&
    lanesFor(s.outChannels) !== 0
  );
}

const tilesOf = (s: ConvShape) => (s.outHeight / 2) * (s.outWidth / 2);

/** Bytes of U (or Z), and of one thread's V and M (or D), one image each. */
export function winogradBytes(s: ConvShape) {
  const tiles = tilesOf(s);
  return {
    u: 16 * s.inChannels * s.outChannels * 4,
    v: tiles * 16 * s.inChannels * 4,
    m: tiles * 16 * s.outChannels * 4,
  };
}

/** The 16 GEMMs as one grouped 1×1 conv over a row of tiles. */
function gemmShape(s: ConvShape): ConvShape {
  const tiles = tilesOf(s);
  return {
    batch: 1,
    inHeight: 1,
    inWidth: tiles,
    inChannels: 16 * s.inChannels,
    outHeight: 1,
    outWidth: tiles,
    outChannels: 16 * s.outChannels,
    filterHeight: 1,
    filterWidth: 1,
    stride: 1,
    groups: 16,
  };
}

/**
 * weights(w, u): U[ci][ξ][co] = (G g Gᵀ)[ξ] for the filter g = w[·, ·, ci, co] (HWIO), four
 * output channels at a time, with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. One thread: it is small.
 */
export function weightTransformProgram(s: ConvShape): FunctionBuilder {
  const f = new FunctionBuilder('winogradWeights', ['i32', 'i32']);
  const [W, U] = [0, 1];
  const CO = s.outChannels * 4;
  const ci = f.local('i32');
  const co = f.local('i32');
  const pW = f.local('i32');
  const pU = f.local('i32');
  const half = f.local('v128');
  const g = Array.from({ length: 9 }, () => f.local('v128'));
  const t = Array.from({ length: 12 }, () => f.local('v128'));
  const sum = f.local('v128');
  f.f32Const(0.5).f32x4Splat().set(half);

  /** out[0..3] = (a0, (a0 + a1 + a2)/2, (a0 − a1 + a2)/2, a2), as stack-emitting callbacks. */
  const transform = (a: number[], put: (j: number, emit: () => void) => void) => {
    f.get(a[0]).get(a[2]).f32x4Add().set(sum);
    put(0, () => f.get(a[0]));
    put(1, () => f.get(sum).get(a[1]).f32x4Add().get(half).f32x4Mul());
    put(2, () => f.get(sum).get(a[1]).f32x4Sub().get(half).f32x4Mul());
    put(3, () => f.get(a[2]));
  };

  f.i32(0).set(ci);
  f.doWhile(ci, 1, s.inChannels, () => {
    f.get(W).get(ci).i32(CO).mul().add().set(pW);
    f.get(U)
      .get(ci)
      .i32(16 * CO)
      .mul()
      .add()
      .set(pU);
    f.i32(0).set(co);
    f.doWhile(co, 16, CO, () => {
      for (let k = 0; k < 9; k++) {
        f.get(pW)
          .v128Load(k * s.inChannels * CO)
          .set(g[k]);
      }
      // Along kw, for each kh: t[kh][j].
      for (let kh = 0; kh < 3; kh++) {
        transform([g[kh * 3], g[kh * 3 + 1], g[kh * 3 + 2]], (j, emit) => {
          emit();
          f.set(t[kh * 4 + j]);
        });
      }
      // Along kh, for each column j: U[r·4 + j].
      for (let j = 0; j < 4; j++) {
        transform([t[j], t[4 + j], t[8 + j]], (r, emit) => {
          f.get(pU);
          emit();
          f.v128Store((r * 4 + j) * CO);
        });
      }
      f.addTo(pW, 16).addTo(pU, 16);
    });
  });
  return f;
}

/**
 * The loops both transforms share: over an image's tiles (2×2 outputs, rows of OW/2) and each
 * tile's 16-byte channel vectors. The image pointer (param `image`) steps 2 rows of `row`
 * bytes and 2 pixels of `pixel` bytes a tile, the packed one (param `packed`, 16 values a tile
 * and channel: V or M) 16 · `pixel` bytes; `body` runs with locals on the vector in both.
 */
function tileLoops(
  f: FunctionBuilder,
  s: ConvShape,
  params: { image: number; packed: number },
  bytes: { row: number; pixel: number },
  body: (pImage: number, pPacked: number) => void,
) {
  const { row, pixel } = bytes;
  const th = f.local('i32');
  const tw = f.local('i32');
  const c = f.local('i32');
  const pRow = f.local('i32');
  const pImage = f.local('i32');
  const pPacked = f.local('i32');
  f.get(params.packed).set(pPacked);
  f.i32(0).set(th);
  f.doWhile(th, 1, s.outHeight / 2, () => {
    f.get(params.image)
      .get(th)
      .i32(2 * row)
      .mul()
      .add()
      .set(pRow);
    f.i32(0).set(tw);
    f.doWhile(tw, 1, s.outWidth / 2, () => {
      f.get(pRow)
        .get(tw)
        .i32(2 * pixel)
        .mul()
        .add()
        .set(pImage);
      f.i32(0).set(c);
      f.doWhile(c, 16, pixel, () => {
        body(pImage, pPacked);
        f.addTo(pImage, 16).addTo(pPacked, 16);
      });
      f.addTo(pPacked, 15 * pixel); // the tile's 16 rows: the c loop advanced one
    });
  });
}

/**
 * inputTransform(x, v): one padded image x [OH + 2, OW + 2, ci] into V[tile][ξ][ci], with
 * Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1] along both axes.
 */
function inputTransformProgram(s: ConvShape): FunctionBuilder {
  const f = new FunctionBuilder('inputTransform', ['i32', 'i32']);
  const C = s.inChannels * 4;
  const row = s.inWidth * C;
  const a = Array.from({ length: 4 }, () => f.local('v128'));
  const u = Array.from({ length: 16 }, () => f.local('v128'));

  /** Bᵀ along one axis: (a0 − a2, a1 + a2, a2 − a1, a1 − a3). */
  const transform = (x: number[], put: (j: number, emit: () => void) => void) => {
    put(0, () => f.get(x[0]).get(x[2]).f32x4Sub());
    put(1, () => f.get(x[1]).get(x[2]).f32x4Add());
    put(2, () => f.get(x[2]).get(x[1]).f32x4Sub());
    put(3, () => f.get(x[1]).get(x[3]).f32x4Sub());
  };

  tileLoops(f, s, { image: 0, packed: 1 }, { row, pixel: C }, (pIn, pV) => {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        f.get(pIn)
          .v128Load(i * row + j * C)
          .set(a[j]);
      }
      transform(a, (j, emit) => {
        emit();
        f.set(u[i * 4 + j]);
      });
    }
    for (let j = 0; j < 4; j++) {
      transform([u[j], u[4 + j], u[8 + j], u[12 + j]], (r, emit) => {
        f.get(pV);
        emit();
        f.v128Store((r * 4 + j) * C);
      });
    }
  });
  return f;
}

/**
 * outputTransform(m, y): each tile's M[tile][ξ][co] into its 2×2 outputs of y [OH, OW, co],
 * with Aᵀ = [1 1 1 0; 0 1 −1 −1] along both axes.
 */
function outputTransformProgram(s: ConvShape): FunctionBuilder {
  const f = new FunctionBuilder('outputTransform', ['i32', 'i32']);
  const CO = s.outChannels * 4;
  const row = s.outWidth * CO;
  const b = Array.from({ length: 4 }, () => f.local('v128'));
  const t = Array.from({ length: 8 }, () => f.local('v128'));

  /** Aᵀ along one axis: (a0 + a1 + a2, a1 − a2 − a3). */
  const transform = (x: number[], put: (j: number, emit: () => void) => void) => {
    put(0, () => f.get(x[0]).get(x[1]).f32x4Add().get(x[2]).f32x4Add());
    put(1, () => f.get(x[1]).get(x[2]).f32x4Sub().get(x[3]).f32x4Sub());
  };

  tileLoops(f, s, { image: 1, packed: 0 }, { row, pixel: CO }, (pOut, pM) => {
    // Along ξ's columns, for each of its 4 rows r: t[r·2 + j].
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < 4; j++) {
        f.get(pM)
          .v128Load((r * 4 + j) * CO)
          .set(b[j]);
      }
      transform(b, (j, emit) => {
        emit();
        f.set(t[r * 2 + j]);
      });
    }
    // Along the rows, for each output column j: y[i][j].
    for (let j = 0; j < 2; j++) {
      transform([t[j], t[2 + j], t[4 + j], t[6 + j]], (i, emit) => {
        f.get(pOut);
        emit();
        f.v128Store(i * row + j * CO);
      });
    }
  });
  return f;
}

/**
 * dyTransform(dy, d): one image's dy [OH, OW, co] into D[tile][ξ][co] = (A dy Aᵀ)[ξ] of each
 * 2×2 block, A = [1 0; 1 1; 1 −1; 0 1] along both axes.
 */
function dyTransformProgram(s: ConvShape): FunctionBuilder {
  const f = new FunctionBuilder('dyTransform', ['i32', 'i32']);
  const CO = s.outChannels * 4;
  const row = s.outWidth * CO;
  const a = Array.from({ length: 2 }, () => f.local('v128'));
  const p = Array.from({ length: 8 }, () => f.local('v128'));

  /** A along one axis: (a0, a0 + a1, a0 − a1, a1). */
  const transform = (x: number[], put: (j: number, emit: () => void) => void) => {
    put(0, () => f.get(x[0]));
    put(1, () => f.get(x[0]).get(x[1]).f32x4Add());
    put(2, () => f.get(x[0]).get(x[1]).f32x4Sub());
    put(3, () => f.get(x[1]));
  };

  tileLoops(f, s, { image: 0, packed: 1 }, { row, pixel: CO }, (pDy, pD) => {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        f.get(pDy)
          .v128Load(i * row + j * CO)
          .set(a[j]);
      }
      transform(a, (c, emit) => {
        emit();
        f.set(p[i * 4 + c]);
      });
    }
    for (let c = 0; c < 4; c++) {
      transform([p[c], p[4 + c]], (r, emit) => {
        f.get(pD);
        emit();
        f.v128Store((r * 4 + c) * CO);
      });
    }
  });
  return f;
}

/**
 * filterFromSums(z, dw): dw[kh, kw, ci, co] = (Gᵀ Z G)[kh][kw] of the per-ξ sums
 * Z[ci][ξ][co], with Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ −1] (column 3 negated, see the header).
 */
export function filterFromSumsProgram(s: ConvShape): FunctionBuilder {
  const f = new FunctionBuilder('filterFromSums', ['i32', 'i32']);
  const [Z, DW] = [0, 1];
  const CO = s.outChannels * 4;
  const ci = f.local('i32');
  const co = f.local('i32');
  const pZ = f.local('i32');
  const pDw = f.local('i32');
  const half = f.local('v128');
  const mid = f.local('v128');
  const z = Array.from({ length: 4 }, () => f.local('v128'));
  const q = Array.from({ length: 12 }, () => f.local('v128'));
  f.f32Const(0.5).f32x4Splat().set(half);

  /** Gᵀ along one axis: (z0 + (z1 + z2)/2, (z1 − z2)/2, (z1 + z2)/2 − z3). */
  const transform = (x: number[], put: (k: number, emit: () => void) => void) => {
    f.get(x[1]).get(x[2]).f32x4Add().get(half).f32x4Mul().set(mid);
    put(0, () => f.get(x[0]).get(mid).f32x4Add());
    put(1, () => f.get(x[1]).get(x[2]).f32x4Sub().get(half).f32x4Mul());
    put(2, () => f.get(mid).get(x[3]).f32x4Sub());
  };

  f.i32(0).set(ci);
  f.doWhile(ci, 1, s.inChannels, () => {
    f.get(Z)
      .get(ci)
      .i32(16 * CO)
      .mul()
      .add()
      .set(pZ);
    f.get(DW).get(ci).i32(CO).mul().add().set(pDw);
    f.i32(0).set(co);
    f.doWhile(co, 16, CO, () => {
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) {
          f.get(pZ)
            .v128Load((r * 4 + c) * CO)
            .set(z[c]);
        }
        transform(z, (kw, emit) => {
          emit();
          f.set(q[r * 3 + kw]);
        });
      }
      for (let kw = 0; kw < 3; kw++) {
        transform([q[kw], q[3 + kw], q[6 + kw], q[9 + kw]], (kh, emit) => {
          f.get(pDw);
          emit();
          f.v128Store((kh * 3 + kw) * s.inChannels * CO);
        });
      }
      f.addTo(pZ, 16).addTo(pDw, 16);
    });
  });
  return f;
}

/**
 * Images the filter gradient transforms before one call of its sums: at least 128 tiles, so
 * that the sums stay in registers that long before they join Z in memory (at 8×8 one image
 * has 16 tiles, and Z is 256 KB at 64 channels).
 */
export function filterGradBlock(s: ConvShape): number {
  return Math.max(1, Math.floor(128 / tilesOf(s)));
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
