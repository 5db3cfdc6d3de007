// The control words our WASM helper threads and their caller share (wasmThreads.ts), Int32s in
// a SharedArrayBuffer: word CLAIM, the next item of the current call that nobody has taken
// yet, then one slot per helper.

export const CLAIM = 0;

/**
 * A helper's slot: its state, the program, the call's items and chunk, and the arguments the
 * program gets before each chunk's (from, to).
 */
export const SLOT = {
  state: 0,
  program: 1,
  items: 2,
  chunk: 3,
  argCount: 4,
  firstArg: 5,
  args: 6,
  size: 11,
} as const;

/** Where helper `slot`'s words start. */
export const slotBase = (slot: number) => 1 + slot * SLOT.size;

/** Words the control buffer needs for `helpers`. */
export const controlWords = (helpers: number) => slotBase(helpers);

/**
 * A slot's state. The caller posts a job; the helper takes it (Running) and marks it Done or
 * Failed; the caller idles it, or takes back a job no helper has taken yet (Posted → Idle).
 */
export const State = { Idle: 0, Posted: 1, Running: 2, Done: 3, Failed: 4 } as const;

/**
 * Runs chunks of [0, items) claimed one at a time from the shared counter until none is left:
 * program(...args, from, to). Every thread of a call runs this, so a thread that is slower,
 * or late to wake, simply takes fewer chunks. Returns how many items this thread ran.
 */
export function runClaims(
  control: Int32Array,
  program: (...args: number[]) => void,
  args: number[],
  items: number,
  chunk: number,
): number {
  let ran = 0;
  for (;;) {
    const from = Atomics.add(control, CLAIM, chunk);
    if (from >= items) return ran;
    const to = Math.min(items, from + chunk);
    program(...args, from, to);
    ran += to - from;
  }
}
