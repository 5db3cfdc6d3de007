// Winograd convolution for our WASM convs (wasmConv.ts): the 3×3 stride-1 convs that are most
// of a ResNet's multiply-adds, forward, input gradient and filter gradient. F(2×2, 3×3) takes
// 16 multiply-adds per 2×2 outputs (or dy values) and channel pair instead of 36 where the
// output's sides are even; F(4×4, 3×3), 36 per 4×4 instead of 144, where they are multiples of
// 4 and the shape asks for it (largestTile 4: see wasmConv.ts for why it is not the default).
// Lavin & Gray 2015 (winograd.ts holds the matrices; wasmWinogradTransforms.ts the transforms).
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
import { filterGradProgram, forwardProgram, type ConvShape } from './wasmConvPrograms';
import {
  dyTransformProgram,
  inputTransformProgram,
  outputTransformProgram,
} from './wasmWinogradTransforms';
import { algorithmOf, tilesOf, winogradBytes } from './winograd';

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
