// A tiny WebAssembly assembler: enough to emit the CPU kernels of wasmConv.ts at run time,
// specialised to each conv's shape (loop bounds, strides and offsets become constants, the
// way XNNPACK picks a micro-kernel per shape, but without a C toolchain in the build).
//
// A module imports one memory (TF.js's WASM heap, so kernels read and write tensors in place)
// and exports functions whose parameters and locals are i32 or v128. Only the opcodes the
// kernels use are here; the numbers are the WebAssembly 2.0 + relaxed-SIMD encodings.

export type ValueType = 'i32' | 'v128';
const TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, v128: 0x7b };

/** Unsigned LEB128. */
function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number, out: number[]): void {
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  load64Zero: 0x5d,
  store: 0x0b,
  f32x4Splat: 0x13,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Max: 0xe9,
  f32x4Gt: 0x44,
  v128And: 0x4e,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2PromoteLow: 0x5f,
  f32x4RelaxedMadd: 0x105,
} as const;

/** One function body. Locals are numbered after the parameters, in the order they are added. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(
    readonly name: string,
    readonly params: ValueType[],
  ) {}

  local(type: ValueType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    return this;
  }
  private memarg(offset: number, alignLog2: number): this {
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
    return this;
  }

  get(i: number): this {
    this.op(0x20);
    uleb(i, this.code);
    return this;
  }
  set(i: number): this {
    this.op(0x21);
    uleb(i, this.code);
    return this;
  }

  i32(v: number): this {
    this.op(0x41);
    sleb(v, this.code);
    return this;
  }
  add(): this {
    return this.op(0x6a);
  }

  mul(): this {
    return this.op(0x6c);
  }
  divU(): this {
    return this.op(0x6e);
  }

  sub(): this {
    return this.op(0x6b);
  }

  ne(): this {
    return this.op(0x47);
  }
  and(): this {
    return this.op(0x71);
  }
  /** Calls function `index` of the module (its position in assemble's list), arguments on the stack. */
  call(index: number): this {
    this.op(0x10);
    uleb(index, this.code);
    return this;
  }
  /** memory.copy(dest, src, bytes), operands on the stack (bulk memory: Chrome 75+). */
  memoryCopy(): this {
    return this.op(0xfc, 0x0a, 0x00, 0x00);
  }
  /** memory.fill(dest, byte, bytes), operands on the stack. */
  memoryFill(): this {
    return this.op(0xfc, 0x0b, 0x00);
  }

  /** local[i] += step */
  addTo(i: number, step: number): this {
    return step === 0 ? this : this.get(i).i32(step).add().set(i);
  }

  /** `loop … br_if (counter += step) != end`: runs body at least once, like a do-while. */
  doWhile(counter: number, step: number, end: number | (() => void), body: () => void): this {
    this.op(0x03, 0x40);
    body();
    this.addTo(counter, step).get(counter);
    if (typeof end === 'number') this.i32(end);
    else end();
    this.ne().op(0x0d, 0x00, 0x0b);
    return this;
  }

  /** `loop … br_if (condition)`: runs body, then again while condition() leaves non-zero. */
  loopWhile(body: () => void, condition: () => void): this {
    this.op(0x03, 0x40);
    body();
    condition();
    this.op(0x0d, 0x00, 0x0b);
    return this;
  }

  v128Load(offset = 0): this {
    return this.simd(SIMD.load).memarg(offset, 2);
  }
  v128Store(offset = 0): this {
    return this.simd(SIMD.store).memarg(offset, 2);
  }
  load32Splat(offset = 0): this {
    return this.simd(SIMD.load32Splat).memarg(offset, 2);
  }
  f32Const(v: number): this {
    this.op(0x43);
    const bytes = new Uint8Array(new Float32Array([v]).buffer);
    this.code.push(...bytes);
    return this;
  }
  f32x4Splat(): this {
    return this.simd(SIMD.f32x4Splat);
  }
  f32x4Add(): this {
    return this.simd(SIMD.f32x4Add);
  }
  f32x4Sub(): this {
    return this.simd(SIMD.f32x4Sub);
  }
  f32x4Mul(): this {
    return this.simd(SIMD.f32x4Mul);
  }
  f32x4Max(): this {
    return this.simd(SIMD.f32x4Max);
  }
  f32x4Gt(): this {
    return this.simd(SIMD.f32x4Gt);
  }
  v128And(): this {
    return this.simd(SIMD.v128And);
  }
  f64x2Add(): this {
    return this.simd(SIMD.f64x2Add);
  }
  f64x2Sub(): this {
    return this.simd(SIMD.f64x2Sub);
  }
  f64x2Mul(): this {
    return this.simd(SIMD.f64x2Mul);
  }
  /** Two floats at offset into lanes 0 and 1, zeros above: with promoteLow, two float64s. */
  load64Zero(offset = 0): this {
    return this.simd(SIMD.load64Zero).memarg(offset, 2);
  }
  f64x2PromoteLow(): this {
    return this.simd(SIMD.f64x2PromoteLow);
  }

  /**
   * local acc += local a · local b, as one fused multiply-add where relaxed SIMD is available
   * (V8 lowers f32x4.relaxed_madd to an FMA instruction), else as a multiply and an add.
   */
  fma(fused: boolean, a: number, b: number, acc: number): this {
    this.get(a).get(b);
    if (fused) return this.get(acc).simd(SIMD.f32x4RelaxedMadd).set(acc);
    return this.f32x4Mul().get(acc).f32x4Add().set(acc);
  }

  /** Encodes the body: locals grouped by type, then the code and `end`. */
  encode(): number[] {
    const groups: [number, ValueType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body: number[] = [];
    uleb(groups.length, body);
    for (const [count, t] of groups) {
      uleb(count, body);
      body.push(TYPE_CODE[t]);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(body.length, out);
    return out.concat(body);
  }
}

function section(id: number, content: number[]): number[] {
  const out = [id];
  uleb(content.length, out);
  return out.concat(content);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  uleb(items.length, out);
  for (const item of items) out.push(...item);
  return out;
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  const out: number[] = [];
  uleb(bytes.length, out);
  return out.concat(bytes);
}

/** The memory a module imports as env.memory: TF.js's heap, shared in its threaded build. */
export interface MemoryImport {
  shared: boolean;
  /** Pages; a shared memory must declare its maximum, and the import must not exceed it. */
  maximumPages: number;
}

/** Assembles functions (each exported under its name, all returning nothing) into a module. */
export function assemble(
  functions: FunctionBuilder[],
  memory: MemoryImport,
): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => {
    const t = [0x60];
    uleb(f.params.length, t);
    for (const p of f.params) t.push(TYPE_CODE[p]);
    t.push(0x00);
    return t;
  });
  const limits = memory.shared ? [0x03, 0x00] : [0x00, 0x00];
  if (memory.shared) uleb(memory.maximumPages, limits);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, ...limits];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(
      3,
      vector(
        functions.map((_, i) => {
          const out: number[] = [];
          uleb(i, out);
          return out;
        }),
      ),
    ),
    ...section(
      7,
      vector(
        functions.map((f, i) => {
          const out = [...name(f.name), 0x00];
          uleb(i, out);
          return out;
        }),
      ),
    ),
    ...section(10, vector(functions.map((f) => f.encode()))),
  ];
  return new Uint8Array(bytes);
}
