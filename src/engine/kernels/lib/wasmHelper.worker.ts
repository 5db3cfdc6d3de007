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
 * Waits for a job (state Posted), takes it (Running: the caller can no longer take it back),
 * runs chunks of it until none is left, marks it Done (or Failed) and wakes the caller.
 * The wait blocks (Atomics.wait): no spinning, which on this machine's two vCPUs took the
 * SIMD units from the calling thread (two threads' conv halves ran at half speed each when
 * they overlapped: see README, "Kernels of our own"), and a helper that wakes late costs
 * nothing (the caller takes its chunks). Atomics.waitAsync, through the event loop, left the
 * caller waiting ~0.4 ms a call. A blocked helper receives no messages, and needs none until a
 * job names a program it has not got: then it awaits, and the queued message arrives.
 */
async function serve() {
  const at = base + SLOT.state;
  for (;;) {
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
    Atomics.notify(control, at);
  }
}
