// The control words our WASM helper threads and their caller share (wasmThreads.ts): one slot
// of Int32s per helper in a SharedArrayBuffer.

export const SLOT = { state: 0, program: 1, firstArg: 2, args: 5, size: 8 } as const;

/** A slot's state: the caller posts a job, the helper marks it done (or failed), the caller idles it. */
export const State = { Idle: 0, Posted: 1, Done: 2, Failed: 3 } as const;
