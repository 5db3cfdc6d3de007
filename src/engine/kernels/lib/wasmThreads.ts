// Our WASM programs on several threads. TF.js's threaded build puts its heap in shared memory
// (cross-origin isolated pages only); helper Workers (wasmHelper.worker.ts) instantiate the
// same compiled modules against that memory, and a call's images (or rows) are claimed in
// chunks by them and the calling thread, which then polls until the helpers that took part are
// done (runShares). While training runs the helpers poll too; they block only when idle.
// TF.js's own thread pool serves its kernels only: ours, the bulk of a step, would otherwise
// run on one core whatever setThreadsCount says.
//
// Off where it cannot work: in Node (no Worker global: tests run single-threaded), on a page's
// main thread (a call waits for its helpers, and a page must not), and with a non-shared heap
// (the single-threaded build). The helpers start when the backend does (startWasmHelpers): a
// Worker does not start while the thread that created it is blocked, so they cannot be started
// from inside a kernel.

import type { WasmBackend } from './wasmHeap';
import { heapMemory } from './wasmHeap';
import { CLAIM, controlWords, runClaims, SLOT, slotBase, State } from './wasmThreadSlots';

export interface Compiled {
  run: (...args: number[]) => void;
  id: number;
  name: string;
  module: WebAssembly.Module;
}

interface Pool {
  helpers: Worker[];
  /** The heap they were started on (a new wasm backend has a new one). */
  memory: WebAssembly.Memory;
  control: Int32Array;
  /** Programs already sent to the helpers, by id. */
  sent: Set<number>;
}

let wanted = 1;
let pool: Pool | null = null;
let broken: string | null = null;

/** Threads our programs may use (the calling thread included); setBackend passes TF.js's count. */
export function setWasmKernelThreads(threads: number): void {
  wanted = Math.max(1, Math.floor(threads));
}

/** Threads a call over `items` images or rows will use right now. */
export function threadsFor(memory: WebAssembly.Memory, items: number): number {
  const p = poolFor(memory);
  return Math.max(1, Math.min(items, p ? p.helpers.length + 1 : 1));
}

/** Why our programs run on one thread here, or null when they use the helpers. */
function singleThreadReason(memory: WebAssembly.Memory): string | null {
  if (wanted <= 1) return 'one thread asked for';
  if (broken) return broken;
  if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) {
    return "TF.js's heap is not shared (its single-threaded build)";
  }
  if (typeof Worker === 'undefined') return 'no Worker here';
  const scope = globalThis as { WorkerGlobalScope?: unknown };
  if (scope.WorkerGlobalScope === undefined)
    return 'not in a worker (a call waits for its helpers)';
  return null;
}

function poolFor(memory: WebAssembly.Memory): Pool | null {
  return pool && pool.memory === memory ? pool : null;
}

/** The threads our programs use now (helpers + this one), and why only one where so. */
export function wasmKernelThreads(): { threads: number; why: string } {
  if (pool) return { threads: pool.helpers.length + 1, why: '' };
  return { threads: 1, why: broken ?? (wanted <= 1 ? 'one thread asked for' : 'not started') };
}

/** How long helpers may take to start before our programs give up on them (single thread). */
const START_TIMEOUT_MS = 10_000;

/**
 * Starts the helpers for the wasm backend's heap and waits until each has said it is ready;
 * resolves to their number (0 where singleThreadReason() says why not). Call after the wasm
 * backend initialised, before any kernel runs; a second call for the same heap does nothing.
 */
export async function startWasmHelpers(backend: unknown): Promise<number> {
  const memory = heapMemory(backend as WasmBackend);
  if (pool?.memory === memory) return pool.helpers.length;
  if (singleThreadReason(memory)) return 0;
  const count = wanted - 1;
  const control = new Int32Array(new SharedArrayBuffer(controlWords(count) * 4));
  const helpers: Worker[] = [];
  try {
    const ready = Array.from({ length: count }, (_, slot) => {
      const w = new Worker(new URL('./wasmHelper.worker.ts', import.meta.url), {
        type: 'module',
        name: `cardinal-wasm-helper-${slot + 1}`,
      });
      helpers.push(w);
      return new Promise<void>((resolve, reject) => {
        w.onmessage = (e) => (e.data?.type === 'ready' ? resolve() : undefined);
        w.onerror = (e) => reject(new Error(e.message || 'helper failed to load'));
        w.postMessage({ type: 'init', memory, control: control.buffer, slot });
      });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not ready in ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
    });
    await Promise.race([Promise.all(ready), timeout]).finally(() => clearTimeout(timer));
    pool = { helpers, control, memory, sent: new Set() };
    return count;
  } catch (err) {
    for (const w of helpers) w.terminate();
    broken = `helper threads failed to start: ${(err as Error).message}`;
    return 0;
  }
}

function send(p: Pool, program: Compiled): void {
  if (p.sent.has(program.id)) return;
  const message = { type: 'program', id: program.id, name: program.name, module: program.module };
  for (const h of p.helpers) h.postMessage(message);
  p.sent.add(program.id);
}

/**
 * Our programs' threaded calls, this thread's time in them (its own chunks, then waiting for
 * the helpers), and the share of the items the helpers ran: for `npm run bench -- --profile`.
 */
export const shareTimes = { ownMs: 0, waitMs: 0, calls: 0, items: 0, helperItems: 0 };

/** Chunks per thread a call is cut into: enough to even out a slow or late thread. */
const CHUNKS_PER_THREAD = 4;

/**
 * Runs program(...argsFor(thread), from, to) over [0, items) on threadsFor(items) threads,
 * thread 0 being this one: each takes chunks of the range from a shared counter until none is
 * left (runClaims), so a helper that wakes late or runs slower takes fewer, and one that has
 * not woken by the end is not waited for. argsFor gives a thread's arguments before (from,
 * to), ≤ SLOT.args numbers: the same tensors for all, or a private output where the chunks
 * would add up.
 */
export function runShares(
  memory: WebAssembly.Memory,
  program: Compiled,
  items: number,
  argsFor: (thread: number) => number[],
): void {
  const p = poolFor(memory);
  const threads = threadsFor(memory, items);
  if (!p || threads === 1) {
    program.run(...argsFor(0), 0, items);
    return;
  }
  send(p, program);
  const { control } = p;
  const chunk = Math.ceil(items / (threads * CHUNKS_PER_THREAD));
  Atomics.store(control, CLAIM, 0);
  for (let t = 1; t < threads; t++) {
    const base = slotBase(t - 1);
    const args = argsFor(t);
    control[base + SLOT.program] = program.id;
    control[base + SLOT.items] = items;
    control[base + SLOT.chunk] = chunk;
    control[base + SLOT.argCount] = args.length;
    args.forEach((v, i) => (control[base + SLOT.firstArg + i] = v));
    Atomics.store(control, base + SLOT.state, State.Posted);
    Atomics.notify(control, base + SLOT.state);
  }
  let failed = false;
  const started = performance.now();
  let ran: number;
  let ownItems: number;
  try {
    ownItems = runClaims(control, program.run, argsFor(0), items, chunk);
  } finally {
    ran = performance.now();
    for (let t = 1; t < threads; t++) {
      const at = slotBase(t - 1) + SLOT.state;
      // Not taken yet: take it back (every chunk is done or being done by someone else).
      if (Atomics.compareExchange(control, at, State.Posted, State.Idle) === State.Posted) continue;
      // Taken: poll until its last chunk is done (one chunk at most; see the helper's SPIN_MS).
      let state: number;
      while ((state = Atomics.load(control, at)) === State.Running);
      if (state === State.Failed) failed = true;
      Atomics.store(control, at, State.Idle);
    }
  }
  shareTimes.ownMs += ran - started;
  shareTimes.waitMs += performance.now() - ran;
  shareTimes.calls++;
  shareTimes.items += items;
  shareTimes.helperItems += items - ownItems;
  if (failed) throw new Error("Cardinal's WASM kernels: a helper thread's share failed");
}
