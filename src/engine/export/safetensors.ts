// The safetensors format (https://github.com/huggingface/safetensors), written and read in pure
// TypeScript over bytes, so the page, the worker and Node share it:
//
//   8 bytes   N, the header's length, unsigned 64-bit little-endian
//   N bytes   JSON: {"__metadata__": {string: string}, name: {dtype, shape, data_offsets}, …},
//             padded with spaces so that the data starts at a multiple of 8
//   rest      the tensors' bytes, little-endian, row-major; data_offsets [begin, end) count
//             from the start of this part, and the tensors tile it with no gap or overlap
//
// Only the two dtypes a Cardinal state dict needs are read and written: F32 (weights, BN
// statistics) and I64 (num_batches_tracked). The reader treats its input as hostile: it checks
// every length, offset and shape before it touches the data, and every failure is a
// SafetensorsError whose message says what is wrong, in words.

/** The dtypes Cardinal reads and writes. */
export type SafetensorsDtype = 'F32' | 'I64';

/** One tensor to write: F32 from a Float32Array, I64 from whole numbers (or a BigInt64Array). */
export interface SafetensorsInput {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: Float32Array | BigInt64Array | Int32Array | readonly number[];
}

/** One tensor read from a file (a copy: it does not keep the file's buffer alive). */
export type SafetensorsTensor =
  | { name: string; dtype: 'F32'; shape: number[]; data: Float32Array }
  | { name: string; dtype: 'I64'; shape: number[]; data: BigInt64Array };

export interface SafetensorsFile {
  /** In the order of their data in the file. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Anything wrong with a safetensors file, or with what it holds for the network at hand. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** A header larger than this is refused before it is decoded (real ones are a few kB–MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, I64: 8 };

/** Every other dtype the format defines, with its size, so messages can name it. */
const OTHER_DTYPES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F64: 8,
  U64: 8,
};

const METADATA_KEY = '__metadata__';
/** Typed arrays use the host's byte order; on little-endian hosts (all that run browsers in
 * practice) float data is copied in bulk, elsewhere value by value through a DataView. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ALIGNMENT = 8;

// ---- writing --------------------------------------------------------------------------------

/**
 * The file's bytes. Tensors are laid out I64 first, then F32, each group in the order given,
 * so every tensor starts at a multiple of its element size (what the format's own writer
 * guarantees by sorting on alignment); the header lists them in the order given.
 */
export function writeSafetensors(
  tensors: readonly SafetensorsInput[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const seen = new Set<string>([METADATA_KEY]);
  for (const t of tensors) {
    if (seen.has(t.name)) throw new SafetensorsError(`tensor name ${JSON.stringify(t.name)} twice`);
    seen.add(t.name);
    if (!Object.hasOwn(DTYPE_BYTES, t.dtype))
      throw new SafetensorsError(`cannot write dtype ${t.dtype}`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${t.name}: invalid shape [${t.shape.join(', ')}]`);
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) {
      const shape = `[${t.shape.join(', ')}]`;
      throw new SafetensorsError(`${t.name}: ${t.data.length} values for shape ${shape}`);
    }
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new SafetensorsError(`metadata ${key} is not a string`);
  }

  const layout = [
    ...tensors.filter((t) => t.dtype === 'I64'),
    ...tensors.filter((t) => t.dtype === 'F32'),
  ];
  const offsets = new Map<string, [number, number]>();
  let end = 0;
  for (const t of layout) {
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    offsets.set(t.name, [end, end + bytes]);
    end += bytes;
  }

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: offsets.get(t.name) };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((8 + json.length) / ALIGNMENT) * ALIGNMENT - 8;

  const out = new Uint8Array(8 + headerLength + end);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const t of layout) {
    const [begin] = offsets.get(t.name)!;
    let at = dataStart + begin;
    if (t.dtype === 'F32' && LITTLE_ENDIAN && t.data instanceof Float32Array) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else if (t.dtype === 'F32') {
      for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, Number(t.data[i]), true);
    } else {
      for (let i = 0; i < t.data.length; i++, at += 8) view.setBigInt64(at, toBigInt(t, i), true);
    }
  }
  return out;
}

function toBigInt(t: SafetensorsInput, i: number): bigint {
  const v = t.data[i];
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new SafetensorsError(`${t.name}: ${v} is not an integer`);
  return BigInt(v);
}

// ---- reading --------------------------------------------------------------------------------

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Parses and checks a whole file; throws SafetensorsError with a sentence on the first
 * problem: a short or oversized header, malformed JSON, a dtype other than F32/I64, a shape or
 * data_offsets entry that is not what the format says, offsets outside the data, gaps or
 * overlaps between tensors, or a byte range that does not hold shape × dtype bytes.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const at = dataStart + e.begin;
    const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    if (e.dtype === 'F32') {
      let data: Float32Array;
      if (LITTLE_ENDIAN) {
        const start = bytes.byteOffset + at;
        data = new Float32Array(bytes.buffer.slice(start, start + 4 * count) as ArrayBuffer);
      } else {
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, true);
      }
      tensors.set(e.name, { name: e.name, dtype: 'F32', shape: e.shape, data });
    } else {
      const data = new BigInt64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getBigInt64(at + 8 * i, true);
      tensors.set(e.name, { name: e.name, dtype: 'I64', shape: e.shape, data });
    }
  }
  return { tensors, metadata };
}

/** Only the header: names, dtypes, shapes and metadata, after the same checks as a read. */
export function readSafetensorsHeader(bytes: Uint8Array): {
  tensors: { name: string; dtype: SafetensorsDtype; shape: number[] }[];
  metadata: Record<string, string>;
} {
  const { entries, metadata } = parseHeader(bytes);
  return {
    tensors: entries.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    metadata,
  };
}

function parseHeader(bytes: Uint8Array): {
  entries: Entry[];
  metadata: Record<string, string>;
  dataStart: number;
} {
  const fail = (message: string): never => {
    throw new SafetensorsError(`not a valid safetensors file: ${message}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected the bytes of a file');
  if (bytes.byteLength < 8) fail(`only ${bytes.byteLength} bytes, fewer than the 8-byte length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`the header claims ${declared} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (headerLength < 2) fail(`a ${headerLength}-byte header cannot hold a JSON object`);
  if (8 + headerLength > bytes.byteLength) {
    fail(`the header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('the header is not UTF-8 text');
  }
  if (!text.startsWith('{')) fail('the header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    return fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    return fail('the header is not a JSON object');
  }

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail('__metadata__ is not an object of strings');
      }
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${key} is not a string`);
        Object.defineProperty(metadata, key, { value: v, enumerable: true, writable: true });
      }
      continue;
    }
    entries.push(parseEntry(name, value, fail));
  }

  // The tensors must tile the data exactly: sorted by offset, each starts where the previous
  // ended, and the last ends at the end of the file.
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.end > dataLength) {
      fail(`${e.name}: bytes ${e.begin}–${e.end} lie outside the ${dataLength} bytes of data`);
    }
    if (e.begin < expected) fail(`${e.name}: its bytes overlap another tensor's`);
    if (e.begin > expected) fail(`${e.name}: a gap of ${e.begin - expected} bytes before it`);
    expected = e.end;
  }
  if (expected !== dataLength) {
    fail(`${dataLength - expected} bytes after the last tensor belong to no tensor`);
  }
  return { entries: sorted, metadata, dataStart };
}

function parseEntry(name: string, value: unknown, fail: (message: string) => never): Entry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`${name}: not a tensor description`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') return fail(`${name}: no dtype`);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) {
    if (Object.hasOwn(OTHER_DTYPES, dtype)) {
      const hint = dtype === 'F16' || dtype === 'BF16' || dtype === 'F64' ? 'float32' : 'F32/I64';
      throw new SafetensorsError(`${name}: ${dtype} is not supported: export ${hint}`);
    }
    return fail(`${name}: unknown dtype ${JSON.stringify(dtype.slice(0, 20))}`);
  }
  const isIndex = (d: unknown): d is number =>
    typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isIndex)) {
    return fail(`${name}: shape is not a list of at most 8 whole numbers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return fail(`${name}: data_offsets is not [begin, end]`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) return fail(`${name}: data_offsets end before they begin`);
  const bytesPerValue = DTYPE_BYTES[dtype as SafetensorsDtype];
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count * bytesPerValue) || count * bytesPerValue !== end - begin) {
    const shapeText = formatShape(shape as number[]);
    return fail(
      `${name}: shape ${shapeText} of ${dtype} needs ${count * bytesPerValue} bytes, ` +
        `data_offsets give ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

// ---- checking against a network -------------------------------------------------------------

export interface ExpectedTensor {
  name: string;
  dtype: SafetensorsDtype;
  /** PyTorch layout. */
  shape: readonly number[];
}

/**
 * Every problem between what a file holds and what a network needs, as sentences (empty when
 * they match): missing tensors, extra ones, wrong dtypes, wrong shapes, e.g.
 * "layer1.0.conv1.weight: file has [16, 16, 3, 3], the network needs [32, 16, 3, 3]".
 */
export function compareTensors(
  found: readonly { name: string; dtype: string; shape: readonly number[] }[],
  expected: readonly ExpectedTensor[],
): string[] {
  const problems: string[] = [];
  const have = new Map(found.map((t) => [t.name, t]));
  const needed = new Set(expected.map((t) => t.name));
  const list = (names: string[]) =>
    names.length > 6
      ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more`
      : names.join(', ');
  const missing = expected.filter((t) => !have.has(t.name)).map((t) => t.name);
  if (missing.length > 0) {
    problems.push(`the file lacks ${missing.length} tensor(s) the network needs: ${list(missing)}`);
  }
  const extra = found.filter((t) => !needed.has(t.name)).map((t) => t.name);
  if (extra.length > 0) {
    problems.push(`the file has ${extra.length} tensor(s) the network does not: ${list(extra)}`);
  }
  for (const want of expected) {
    const got = have.get(want.name);
    if (!got) continue;
    if (got.dtype !== want.dtype) {
      problems.push(`${want.name}: file has ${got.dtype}, the network needs ${want.dtype}`);
    } else if (formatShape(got.shape) !== formatShape(want.shape)) {
      problems.push(
        `${want.name}: file has ${formatShape(got.shape)}, the network needs ${formatShape(want.shape)}`,
      );
    }
  }
  return problems;
}
