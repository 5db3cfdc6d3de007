import { describe, expect, it } from 'vitest';
import {
  compareTensors,
  MAX_HEADER_BYTES,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  writeSafetensors,
} from './safetensors';

const sample = () =>
  writeSafetensors(
    [
      { name: 'conv.weight', dtype: 'F32', shape: [2, 1, 1, 3], data: [1, -2, 3.5, 0, 1e-7, -0] },
      { name: 'bn.num_batches_tracked', dtype: 'I64', shape: [], data: [7] },
      { name: 'fc.bias', dtype: 'F32', shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) },
    ],
    { format: 'pt', note: 'héllo' },
  );

/** A file with a hand-written header (padded as the format requires) and `data` bytes. */
function handMade(header: unknown, dataBytes: number, rawHeader?: string): Uint8Array {
  const text = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return (error as Error).message;
  }
  throw new Error('expected a SafetensorsError');
}

describe('writeSafetensors', () => {
  it('follows the format: LE u64 length, space-padded JSON to 8 bytes, I64 data first', () => {
    const bytes = sample();
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text).toMatch(/^\{.*\} *$/);
    const header = JSON.parse(text);
    expect(Object.keys(header)).toEqual([
      '__metadata__',
      'conv.weight',
      'bn.num_batches_tracked',
      'fc.bias',
    ]);
    expect(header['bn.num_batches_tracked']).toEqual({
      dtype: 'I64',
      shape: [],
      data_offsets: [0, 8],
    });
    expect(header['conv.weight'].data_offsets).toEqual([8, 32]);
    expect(header['fc.bias'].data_offsets).toEqual([32, 44]);
    expect(bytes.length).toBe(8 + n + 44);
    // int64 7, little-endian
    expect(view.getBigInt64(8 + n, true)).toBe(7n);
    expect(view.getFloat32(8 + n + 8 + 4, true)).toBe(-2);
  });

  it('round-trips values, shapes, dtypes and metadata', () => {
    const file = readSafetensors(sample());
    expect(file.metadata).toEqual({ format: 'pt', note: 'héllo' });
    const conv = file.tensors.get('conv.weight')!;
    expect(conv.dtype).toBe('F32');
    expect(conv.shape).toEqual([2, 1, 1, 3]);
    expect([...conv.data]).toEqual([...new Float32Array([1, -2, 3.5, 0, 1e-7, -0])]);
    const tracked = file.tensors.get('bn.num_batches_tracked')!;
    expect(tracked.dtype).toBe('I64');
    expect([...tracked.data]).toEqual([7n]);
    expect(readSafetensorsHeader(sample()).tensors.map((t) => t.name)).toEqual([
      'bn.num_batches_tracked',
      'conv.weight',
      'fc.bias',
    ]);
  });

  it('reads from a view into a larger buffer and writes big int64 values', () => {
    const inner = writeSafetensors([
      { name: 'n', dtype: 'I64', shape: [2], data: new BigInt64Array([2n ** 40n, -3n]) },
    ]);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 3);
    const n = readSafetensors(outer.subarray(3, 3 + inner.length)).tensors.get('n')!;
    expect([...n.data]).toEqual([2n ** 40n, -3n]);
  });

  it('refuses inconsistent input', () => {
    expect(() => writeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: [1] }])).toThrow(
      /1 values for shape \[2\]/,
    );
    const twice = { name: 'a', dtype: 'F32' as const, shape: [1], data: [1] };
    expect(() => writeSafetensors([twice, twice])).toThrow(/twice/);
  });
});

describe('readSafetensors on hostile input', () => {
  const entry = (begin: number, end: number, shape = [(end - begin) / 4]) => ({
    dtype: 'F32',
    shape,
    data_offsets: [begin, end],
  });

  it('refuses files too short for the length, and oversized or overlong headers', () => {
    expect(errorOf(() => readSafetensors(new Uint8Array(5)))).toMatch(/fewer than the 8-byte/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES) + 1n, true);
    expect(errorOf(() => readSafetensors(huge))).toMatch(/over the 104857600-byte limit/);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expect(errorOf(() => readSafetensors(huge))).toMatch(/limit/);
    new DataView(huge.buffer).setBigUint64(0, 100n, true);
    expect(errorOf(() => readSafetensors(huge))).toMatch(/claims 100 bytes but the file has 8/);
  });

  it('refuses malformed JSON and non-object headers', () => {
    expect(errorOf(() => readSafetensors(handMade(null, 0, '{"a": ')))).toMatch(/not valid JSON/);
    expect(errorOf(() => readSafetensors(handMade(null, 0, '[1, 2]')))).toMatch(/start with "\{"/);
    const bad = handMade(null, 0, '{"x":1}');
    expect(errorOf(() => readSafetensors(bad))).toMatch(/x: not a tensor description/);
    const latin1 = handMade(null, 0, '{"a":1}');
    latin1[10] = 0xff;
    expect(errorOf(() => readSafetensors(latin1))).toMatch(/not UTF-8/);
  });

  it('refuses offsets outside the data, overlaps, gaps, trailing bytes and size mismatches', () => {
    const outside = handMade({ a: entry(0, 16) }, 8);
    expect(errorOf(() => readSafetensors(outside))).toMatch(/a: bytes 0–16 lie outside the 8/);
    const overlap = handMade({ a: entry(0, 8), b: entry(4, 12) }, 12);
    expect(errorOf(() => readSafetensors(overlap))).toMatch(/b: its bytes overlap/);
    const gap = handMade({ a: entry(4, 8) }, 8);
    expect(errorOf(() => readSafetensors(gap))).toMatch(/a gap of 4 bytes/);
    const trailing = handMade({ a: entry(0, 4) }, 8);
    expect(errorOf(() => readSafetensors(trailing))).toMatch(/4 bytes after the last tensor/);
    const mismatch = handMade({ a: entry(0, 8, [3]) }, 8);
    expect(errorOf(() => readSafetensors(mismatch))).toMatch(
      /a: shape \[3\] of F32 needs 12 bytes, data_offsets give 8/,
    );
    const reversed = handMade({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, 8);
    expect(errorOf(() => readSafetensors(reversed))).toMatch(/end before they begin/);
    const fractional = handMade({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] } }, 6);
    expect(errorOf(() => readSafetensors(fractional))).toMatch(/shape is not a list/);
    const overflow = handMade({ a: entry(0, 4, [2 ** 40, 2 ** 40]) }, 4);
    expect(errorOf(() => readSafetensors(overflow))).toMatch(/needs/);
  });

  it('names unsupported and unknown dtypes', () => {
    const f16 = handMade({ 'layer1.0.conv1.weight': { ...entry(0, 4), dtype: 'F16' } }, 4);
    expect(errorOf(() => readSafetensors(f16))).toBe(
      'layer1.0.conv1.weight: F16 is not supported: export float32',
    );
    const i32 = handMade({ n: { ...entry(0, 4), dtype: 'I32' } }, 4);
    expect(errorOf(() => readSafetensors(i32))).toMatch(/I32 is not supported/);
    const odd = handMade({ a: { ...entry(0, 4), dtype: 'toString' } }, 4);
    expect(errorOf(() => readSafetensors(odd))).toMatch(/unknown dtype "toString"/);
  });

  it('keeps metadata keys such as __proto__ as plain data and refuses non-string values', () => {
    const text = '{"__metadata__":{"__proto__":"x","k":"v"}}';
    const file = readSafetensors(handMade(null, 0, text));
    expect(Object.getPrototypeOf(file.metadata)).toBe(Object.prototype);
    expect(file.metadata.k).toBe('v');
    expect(Object.keys(file.metadata)).toContain('__proto__');
    const numeric = handMade({ __metadata__: { epoch: 3 } }, 0);
    expect(errorOf(() => readSafetensors(numeric))).toMatch(/__metadata__.epoch is not a string/);
  });
});

describe('compareTensors', () => {
  it('lists missing, extra, dtype and shape problems in words', () => {
    const problems = compareTensors(
      [
        { name: 'layer1.0.conv1.weight', dtype: 'F32', shape: [16, 16, 3, 3] },
        { name: 'bn1.num_batches_tracked', dtype: 'F32', shape: [] },
        { name: 'extra.weight', dtype: 'F32', shape: [1] },
      ],
      [
        { name: 'layer1.0.conv1.weight', dtype: 'F32', shape: [32, 16, 3, 3] },
        { name: 'bn1.num_batches_tracked', dtype: 'I64', shape: [] },
        { name: 'fc.bias', dtype: 'F32', shape: [10] },
      ],
    );
    expect(problems).toEqual([
      'the file lacks 1 tensor(s) the network needs: fc.bias',
      'the file has 1 tensor(s) the network does not: extra.weight',
      'layer1.0.conv1.weight: file has [16, 16, 3, 3], the network needs [32, 16, 3, 3]',
      'bn1.num_batches_tracked: file has F32, the network needs I64',
    ]);
  });
});
