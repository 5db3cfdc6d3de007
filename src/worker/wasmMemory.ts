// TF.js 4.22's WASM backend addresses about 2 GB in practice: past that its module aborts
// ("Aborted()", "memory access out of bounds", XNNPACK "status 6" = out of memory) instead of
// throwing an error that says so. Measured: resnext20_4x16d at C = 4 trains at batch 32 and
// aborts at batch 64, where analyze()'s activation estimate is 357 MB and 703 MB (the backend's
// copies, transposes and gradients take about three times that). The module is unusable after
// an abort, so the run must stop and the user must change something: this says what.

const ABORT = /memory access out of bounds|Aborted\(\)|out of memory|table index is out of bounds/i;

/** A message that says what to do when `message` is the WASM module giving up; else null. */
export function explainWasmAbort(
  message: string,
  backend: string,
  batchSize: number,
): string | null {
  if (backend !== 'wasm' || !ABORT.test(message)) return null;
  const smaller = Math.max(1, Math.floor(batchSize / 2));
  return (
    `The WASM backend ran out of memory training at batch ${batchSize} (it can use about 2 GB; ` +
    `the network's activations and their gradients need more). Lower the batch size ` +
    `(e.g. ${smaller}), pick a smaller network, or train on WebGPU; then reload the page, ` +
    `since the WASM module cannot be used again after this. (WASM said: ${message})`
  );
}
