// TF.js 4.22's WASM backend does not throw an error that says "out of memory": past the heap it
// can reach, its module aborts ("Aborted()", "memory access out of bounds", XNNPACK "status 6",
// even "divide by zero" when a failed allocation's null pointer reaches a kernel). Measured
// (npm run bench -- --memory): ResNet-56 at batch 128 needs ≈ 5.6 GB of heap without
// checkpointing, past TF.js's 4 GB maximum. The module cannot be used again after an abort:
// the page replaces the worker and resumes the run from its checkpoint (store/recovery.ts).

const ABORT =
  /memory access out of bounds|Aborted\(|out of memory|table index is out of bounds|divide by zero|unreachable|status 6/i;

/** Whether `message` is the WASM module giving up (it is dead afterwards). */
export function isWasmAbort(message: string, backend: string): boolean {
  return backend === 'wasm' && ABORT.test(message);
}

/** A message that says what happened when `message` is the WASM module giving up; else null. */
export function explainWasmAbort(
  message: string,
  backend: string,
  batchSize: number,
): string | null {
  if (!isWasmAbort(message, backend)) return null;
  const smaller = Math.max(1, Math.floor(batchSize / 2));
  return (
    `The WASM backend ran out of memory training at batch ${batchSize} (its heap tops out at ` +
    `4 GB, and past about 3.4 GB growing it fails), and its module cannot be used again. ` +
    `A smaller batch (e.g. ${smaller}), a smaller network or WebGPU avoids it. ` +
    `(WASM said: ${message})`
  );
}
