/// <reference lib="webworker" />
// A helper thread for our WASM programs (wasmThreads.ts): it instantiates each program it is
// sent against TF.js's shared heap, then runs the share of a call the control words give it.
// It imports nothing: it only ever sees memory, modules and numbers.

import { runClaims, SLOT, slotBase, State } from './wasmThreadSlots';

declare const self: DedicatedWorkerGlobalScope;

type Program = (...args: number[]) => void;

let memory: WebAssembly.Memory;
let control: Int32Array;
let base = 0;
const programs = new Map<number, Program>();
const arrivals = new Map<number, () => void>();

self.onmessage = (event: MessageEvent) => {
  const m = event.data;
  if (m.type === 'init') {
    memory = m.memory;
    control = new Int32Array(m.control);
    base = slotBase(m.slot);
    self.postMessage({ type: 'ready' });
    void serve();
  } else if (m.type === 'program') {
    const instance = new WebAssembly.Instance(m.module, { env: { memory } });
    programs.set(m.id, instance.exports[m.name] as Program);
    arrivals.get(m.id)?.();
  }
};

/**
 * How long a helper keeps polling for the next job before it blocks in Atomics.wait. A step's
 * calls come a few ms apart at most, so while training runs a helper never sleeps; 20 ms after
 * the last call it blocks and costs nothing. Measured on this project's 2-vCPU machine
 * (`npm run bench -- --preset resnet20 --threads 2`, runs interleaved): a helper that blocked
 * between calls ran 42–47% of the items, yet the calling thread's own time stayed that of one
 * thread alone (195 ms a step: woken by the caller, the helper ran beside it on one CPU rather
 * than on the idle one); polling 1 ms before blocking changed nothing, 5 ms gave 183–213 ms a
 * step and 20 ms 151–203 ms, against 218–242 ms blocking at once. Two Chromium workers
 * that never wake each other do run at full speed side by side.
 */
const SPIN_MS = 20;

/**
 * Waits for a job (state Posted), takes it (Running: the caller can no longer take it back),
 * runs chunks of it until none is left, and marks it Done (or Failed); the caller polls for
 * that (waking it would place it beside this thread too). A helper that is late costs nothing:
 * the caller takes its chunks. A blocked helper receives no messages, and needs none until a
 * job names a program it has not got: then it awaits, and the queued message arrives.
 */
async function serve() {
  const at = base + SLOT.state;
  for (;;) {
    const blockAt = performance.now() + SPIN_MS;
    while (Atomics.load(control, at) !== State.Posted && performance.now() < blockAt);
    let state: number;
    while ((state = Atomics.load(control, at)) !== State.Posted) Atomics.wait(control, at, state);
    if (Atomics.compareExchange(control, at, State.Posted, State.Running) !== State.Posted) {
      continue; // taken back: the caller ran every chunk itself
    }
    const id = control[base + SLOT.program];
    if (!programs.has(id)) await new Promise<void>((resolve) => arrivals.set(id, resolve));
    const word = (i: number) => control[base + i];
    const args = Array.from({ length: word(SLOT.argCount) }, (_, i) => word(SLOT.firstArg + i));
    try {
      runClaims(control, programs.get(id)!, args, word(SLOT.items), word(SLOT.chunk));
      Atomics.store(control, at, State.Done);
    } catch {
      Atomics.store(control, at, State.Failed);
    }
  }
}
