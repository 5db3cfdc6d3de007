import { describe, expect, it } from 'vitest';
import { explainWasmAbort } from './wasmMemory';

describe('explainWasmAbort', () => {
  it('says what to do when the WASM module aborts for memory', () => {
    for (const raw of [
      'RuntimeError: memory access out of bounds',
      'Aborted(). Build with -sASSERTIONS for more info.',
      'table index is out of bounds',
      'RuntimeError: divide by zero',
      'XNNPACK convolution failed with status 6',
    ]) {
      const message = explainWasmAbort(raw, 'wasm', 64)!;
      expect(message).toMatch(/ran out of memory training at batch 64/);
      expect(message).toMatch(/smaller batch \(e\.g\. 32\).*WebGPU/);
      expect(message).toContain(raw);
    }
  });

  it('leaves other errors and other backends alone', () => {
    expect(explainWasmAbort('the loss is NaN', 'wasm', 64)).toBeNull();
    expect(explainWasmAbort('memory access out of bounds', 'webgpu', 64)).toBeNull();
  });
});
