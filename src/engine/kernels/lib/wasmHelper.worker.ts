/// <reference lib="webworker" />
// A helper thread for our WASM programs (wasmThreads.ts): it instantiates each program it is
// sent against TF.js's shared heap, then runs the share of a call the control words give it.
// It imports nothing: it only ever sees memory, modules and numbers.

import { SLOT, State } from './wasmThreadSlots';

declare const self: DedicatedWorkerGlobalScope;

type Program = (...args: number[]) => void;
/** Atomics.waitAsync (Chrome 87+; ES2024, past this project's TypeScript lib). */
const atomics = Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: unknown };
};

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
    base = m.slot * SLOT.size;
    self.postMessage({ type: 'ready' });
    void serve();
  } else if (m.type === 'program') {
    const instance = new WebAssembly.Instance(m.module, { env: { memory } });
    programs.set(m.id, instance.exports[m.name] as Program);
    arrivals.get(m.id)?.();
  }
};

/** Waits for a job (state Posted), runs it, marks it Done (or Failed), wakes the caller. */
async function serve() {
  for (;;) {
    let state = Atomics.load(control, base + SLOT.state);
    while (state !== State.Posted) {
      // Not blocking: the event loop must stay free to receive programs.
      const wait = atomics.waitAsync(control, base + SLOT.state, state);
      if (wait.async) await wait.value;
      state = Atomics.load(control, base + SLOT.state);
    }
    const id = control[base + SLOT.program];
    if (!programs.has(id)) await new Promise<void>((resolve) => arrivals.set(id, resolve));
    const args = Array.from({ length: SLOT.args }, (_, i) => control[base + SLOT.firstArg + i]);
    try {
      programs.get(id)!(...args);
      Atomics.store(control, base + SLOT.state, State.Done);
    } catch {
      Atomics.store(control, base + SLOT.state, State.Failed);
    }
    Atomics.notify(control, base + SLOT.state);
  }
}
