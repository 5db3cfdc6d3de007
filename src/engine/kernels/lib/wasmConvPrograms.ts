// The two WASM conv programs behind wasmConv.ts, generated per shape (wasmAssembler.ts):
//
// - forward: out[n, oh, ow, co] = Σ_{kh, kw, ci} x[n, oh·s + kh, ow·s + kw, ci] · w[kh, kw, ci, co]
//   over an input already padded (or cropped) so that every window lies inside it. The input
//   gradient is this program too, run on dy spread out by the stride with a flipped filter.
// - filter gradient: dw[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]
//
// Both are register-tiled like XNNPACK's f32 GEMM micro-kernels: a tile of `rows` × `lanes`
// outputs lives in v128 locals (V8 keeps them in xmm registers) while the sum runs; each step
// loads `lanes`/4 vectors of the weight (or dy) row, splats one scalar per tile row and does
// rows × lanes/4 multiply-adds, fused where the browser has relaxed SIMD. Shapes, strides and
// offsets are constants in the code. In grouped convs each group is its own small conv: its
// ci range reads channels g·ci..(g+1)·ci of the input, its co range writes its own outputs.

import { FunctionBuilder } from './wasmAssembler';

/** A conv as these programs see it: NHWC input already padded, filter [kh, kw, ci/g, co]. */
export interface ConvShape {
  batch: number;
  /** Rows and columns of the (padded) input buffer, and its channels (all groups). */
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  stride: number;
  groups: number;
  /**
   * Forward only: where output pixels go, in pixels of the output buffer, when not packed: the
   * step between a row's pixels, between rows and between images. The input gradient writes
   * each phase of a strided conv this way (every s-th pixel of every s-th row).
   */
  outLayout?: { pixel: number; row: number; image: number };
  /** Winograd only (winograd.ts): 4 lets it use F(4×4, 3×3); else F(2×2). */
  largestTile?: 4;
}

/** Output channels per register tile: two vectors where the group has 8k, else one. */
export function lanesFor(channelsPerGroup: number): 8 | 4 | 0 {
  if (channelsPerGroup % 8 === 0) return 8;
  if (channelsPerGroup % 4 === 0) return 4;
  return 0;
}

/** A run of filter taps whose input channels are contiguous in memory (see segments()). */
interface Segment {
  /** Where its first scalar is, in bytes from the window's top-left input pixel. */
  inputOffset: number;
  /** Its first filter row (a row: one (kh, kw, ci) of the filter, co values long). */
  filterRow: number;
  length: number;
}

/**
 * The filter taps as contiguous runs. Without groups, one filter row's taps (kw, ci) are kw·C + ci
 * floats from the window's first pixel in the input and kw·C + ci rows into the filter, so each
 * row of the window is one run; with groups, a group's ci are contiguous only within one pixel.
 */
function segments(s: ConvShape): Segment[] {
  const ciPerGroup = s.inChannels / s.groups;
  const out: Segment[] = [];
  for (let kh = 0; kh < s.filterHeight; kh++) {
    if (s.groups === 1) {
      const length = s.filterWidth * s.inChannels;
      out.push({ inputOffset: kh * s.inWidth * s.inChannels * 4, filterRow: kh * length, length });
      continue;
    }
    for (let kw = 0; kw < s.filterWidth; kw++) {
      out.push({
        inputOffset: (kh * s.inWidth + kw) * s.inChannels * 4,
        filterRow: (kh * s.filterWidth + kw) * ciPerGroup,
        length: ciPerGroup,
      });
    }
  }
  return out;
}

/** The largest divisor of n not above max. */
function divisorUpTo(n: number, max: number): number {
  for (let d = Math.min(n, max); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/**
 * forward(x, w, out, n0, n1): images n0 ≤ n < n1 of the conv (pointers are byte offsets in
 * the imported memory). Tiles are `pixels` consecutive output columns × `lanes` channels.
 */
export function forwardProgram(
  s: ConvShape,
  fused: boolean,
  tileShape?: { pixels: number; vecs: number },
): FunctionBuilder {
  const f = new FunctionBuilder('forward', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [X, W, OUT, N0, N1] = [0, 1, 2, 3, 4];
  const coPerGroup = s.outChannels / s.groups;
  const ciPerGroup = s.inChannels / s.groups;
  const lanes = lanesFor(coPerGroup);
  if (lanes === 0) throw new Error(`forwardProgram: ${coPerGroup} channels per group`);
  // Measured in Chromium 156 on ResNet-20's three 3×3 convs, best of 9 (scratch tile sweep):
  // 6 pixels × 8 channels 41.9 / 38.7 GFLOP/s at widths 32 / 16, against 33.6 / 35.1 for
  // 4 × 8; at width 8, 6 leaves a 2-pixel remainder tile and 4 × 8 is better (33.6 vs 32.1).
  // 3 × 16 and 2 × 16 were slower everywhere (30–39).
  const vecs = tileShape?.vecs ?? lanes / 4;
  const pixels = tileShape?.pixels ?? (lanes === 8 ? (s.outWidth >= 16 ? 6 : 4) : 6);
  const C = s.inChannels * 4; // bytes per input pixel
  const CO = s.outChannels * 4; // bytes per output pixel (and per filter row)
  const inImage = s.inHeight * s.inWidth * C;
  const layout = s.outLayout ?? { pixel: 1, row: s.outWidth, image: s.outHeight * s.outWidth };
  const outImage = layout.image * CO;
  const outPixel = layout.pixel * CO;

  const n = f.local('i32');
  const inRow = f.local('i32');
  const outRow = f.local('i32');
  const oh = f.local('i32');
  const inPix = f.local('i32');
  const outPix = f.local('i32');
  const ow = f.local('i32');
  const co = f.local('i32'); // byte offset of the tile's first channel
  const inG = f.local('i32');
  const pIn = f.local('i32');
  const pW = f.local('i32');
  const k = f.local('i32');
  const wv = Array.from({ length: vecs }, () => f.local('v128'));
  const a = f.local('v128');
  const acc = Array.from({ length: pixels * vecs }, () => f.local('v128'));

  /** One tile of `rows` output pixels from inPix/outPix, channels co..co+lanes. */
  const tile = (rows: number) => {
    for (let i = 0; i < rows * vecs; i++) f.f32Const(0).f32x4Splat().set(acc[i]);
    for (const seg of segments(s)) {
      // inG: the group's first channel in this pixel = inPix + (co / coPerGroup)·ciPerGroup·4.
      f.get(inG).i32(seg.inputOffset).add().set(pIn);
      f.get(W)
        .get(co)
        .add()
        .i32(seg.filterRow * CO)
        .add()
        .set(pW);
      const unroll = divisorUpTo(seg.length, 8);
      const body = () => {
        for (let u = 0; u < unroll; u++) {
          for (let v = 0; v < vecs; v++)
            f.get(pW)
              .v128Load(u * CO + v * 16)
              .set(wv[v]);
          for (let r = 0; r < rows; r++) {
            f.get(pIn)
              .load32Splat(r * s.stride * C + u * 4)
              .set(a);
            for (let v = 0; v < vecs; v++) f.fma(fused, a, wv[v], acc[r * vecs + v]);
          }
        }
        f.addTo(pIn, unroll * 4).addTo(pW, unroll * CO);
      };
      if (seg.length === unroll) body();
      else f.i32(0).set(k).doWhile(k, unroll, seg.length, body);
    }
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        f.get(outPix)
          .get(co)
          .add()
          .get(acc[r * vecs + v])
          .v128Store(r * outPixel + v * 16);
      }
    }
  };

  /** Every channel tile of `rows` pixels at inPix/outPix. */
  const channelTiles = (rows: number) => {
    f.i32(0).set(co);
    f.doWhile(co, vecs * 16, CO, () => {
      if (s.groups === 1) f.get(inPix).set(inG);
      else {
        // group = co / (coPerGroup·4 bytes); its input channels start at group·ciPerGroup·4.
        f.get(inPix)
          .get(co)
          .i32(coPerGroup * 4)
          .divU()
          .i32(ciPerGroup * 4)
          .mul()
          .add()
          .set(inG);
      }
      tile(rows);
    });
  };

  const full = Math.floor(s.outWidth / pixels);
  const rest = s.outWidth - full * pixels;
  f.get(N0).set(n);
  f.get(X).get(n).i32(inImage).mul().add().set(inRow);
  f.get(OUT).get(n).i32(outImage).mul().add().set(outRow);
  f.doWhile(
    n,
    1,
    () => f.get(N1),
    () => {
      f.i32(0).set(oh);
      f.doWhile(oh, 1, s.outHeight, () => {
        f.get(inRow)
          .get(oh)
          .i32(s.stride * s.inWidth * C)
          .mul()
          .add()
          .set(inPix);
        f.get(outRow)
          .get(oh)
          .i32(layout.row * CO)
          .mul()
          .add()
          .set(outPix);
        if (full > 0) {
          f.i32(0).set(ow);
          f.doWhile(ow, 1, full, () => {
            channelTiles(pixels);
            f.addTo(inPix, pixels * s.stride * C).addTo(outPix, pixels * outPixel);
          });
        }
        if (rest > 0) channelTiles(rest);
      });
      f.addTo(inRow, inImage).addTo(outRow, outImage);
    },
  );
  return f;
}

/**
 * filterGrad(x, dy, dw, n0, n1): adds images n0 ≤ n < n1's share to dw (the caller zeroes it).
 * Tiles are `rows` consecutive filter rows of one segment × `lanes` output channels; each
 * image's sum stays in registers over its OH·OW pixels, then joins dw in memory.
 */
export function filterGradProgram(
  s: ConvShape,
  fused: boolean,
  tileShape?: { rows: number; vecs: number },
): FunctionBuilder {
  const f = new FunctionBuilder('filterGrad', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [X, DY, DW, N0, N1] = [0, 1, 2, 3, 4];
  const coPerGroup = s.outChannels / s.groups;
  const ciPerGroup = s.inChannels / s.groups;
  const lanes = lanesFor(coPerGroup);
  if (lanes === 0) throw new Error(`filterGradProgram: ${coPerGroup} channels per group`);
  // 6 filter rows × 8 channels: 40.8 / 37.7 / 39.7 GFLOP/s on ResNet-20's three 3×3 convs in
  // Chromium 156 against 35.1 / 31.5 / 34.3 for 4 × 8 (best of 9; 5 × 8, 3 × 16, 2 × 16 slower).
  const vecs = tileShape?.vecs ?? lanes / 4;
  const rowsPerTile = tileShape?.rows ?? (lanes === 8 ? 6 : 8);
  const C = s.inChannels * 4;
  const CO = s.outChannels * 4;
  const inImage = s.inHeight * s.inWidth * C;
  const outImage = s.outHeight * s.outWidth * CO;
  const unroll = divisorUpTo(s.outWidth, 4);

  const n = f.local('i32');
  const xImg = f.local('i32');
  const dyImg = f.local('i32');
  const g = f.local('i32');
  const gCo = f.local('i32'); // byte offsets of group g's first output and input channels
  const gCi = f.local('i32');
  const t = f.local('i32');
  const co = f.local('i32'); // byte offset of the tile's first output channel
  const row = f.local('i32'); // byte offset of the tile's first filter row in dw
  const xRow = f.local('i32'); // the tile's first input scalar in the image's first window
  const pX = f.local('i32');
  const pDy = f.local('i32');
  const oh = f.local('i32');
  const ow = f.local('i32');
  const d = Array.from({ length: vecs }, () => f.local('v128'));
  const a = f.local('v128');
  const acc = Array.from({ length: rowsPerTile * vecs }, () => f.local('v128'));

  const tile = (rows: number) => {
    const dwAt = (r: number, v: number) =>
      f
        .get(DW)
        .get(row)
        .add()
        .get(co)
        .add()
        .v128Load(r * CO + v * 16);
    for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) dwAt(r, v).set(acc[r * vecs + v]);
    f.get(xRow).set(pX);
    f.get(dyImg).get(co).add().set(pDy);
    f.i32(0).set(oh);
    f.doWhile(oh, 1, s.outHeight, () => {
      f.i32(0).set(ow);
      f.doWhile(ow, unroll, s.outWidth, () => {
        for (let u = 0; u < unroll; u++) {
          for (let v = 0; v < vecs; v++)
            f.get(pDy)
              .v128Load(u * CO + v * 16)
              .set(d[v]);
          for (let r = 0; r < rows; r++) {
            f.get(pX)
              .load32Splat(u * s.stride * C + r * 4)
              .set(a);
            for (let v = 0; v < vecs; v++) f.fma(fused, a, d[v], acc[r * vecs + v]);
          }
        }
        f.addTo(pX, unroll * s.stride * C).addTo(pDy, unroll * CO);
      });
      f.addTo(pX, (s.stride * s.inWidth - s.outWidth * s.stride) * C);
    });
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        f.get(DW)
          .get(row)
          .add()
          .get(co)
          .add()
          .get(acc[r * vecs + v])
          .v128Store(r * CO + v * 16);
      }
    }
  };

  /**
   * Every tile of one segment in group g. Its filter rows (kh, kw, ci) are the same for every
   * group; only the input channels (gCi) and the output columns (gCo) move with g.
   */
  const segmentTiles = (seg: Segment) => {
    const full = Math.floor(seg.length / rowsPerTile);
    const rest = seg.length - full * rowsPerTile;
    const columnTiles = (rows: number) => {
      f.get(gCo).set(co);
      f.doWhile(
        co,
        vecs * 16,
        () =>
          f
            .get(gCo)
            .i32(coPerGroup * 4)
            .add(),
        () => tile(rows),
      );
    };
    f.i32(seg.filterRow * CO).set(row);
    f.get(xImg).i32(seg.inputOffset).add().get(gCi).add().set(xRow);
    if (full > 0) {
      f.i32(0).set(t);
      f.doWhile(t, 1, full, () => {
        columnTiles(rowsPerTile);
        f.addTo(row, rowsPerTile * CO).addTo(xRow, rowsPerTile * 4);
      });
    }
    if (rest > 0) columnTiles(rest);
  };

  f.get(N0).set(n);
  f.get(X).get(n).i32(inImage).mul().add().set(xImg);
  f.get(DY).get(n).i32(outImage).mul().add().set(dyImg);
  f.doWhile(
    n,
    1,
    () => f.get(N1),
    () => {
      f.i32(0).set(g);
      f.doWhile(g, 1, s.groups, () => {
        f.get(g)
          .i32(coPerGroup * 4)
          .mul()
          .set(gCo);
        f.get(g)
          .i32(ciPerGroup * 4)
          .mul()
          .set(gCi);
        for (const seg of segments(s)) segmentTiles(seg);
      });
      f.addTo(xImg, inImage).addTo(dyImg, outImage);
    },
  );
  return f;
}
