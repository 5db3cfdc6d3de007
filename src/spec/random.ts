// Seeded pseudo-random numbers shared by data (shuffling) and engine (initialisation,
// augmentation, dropout), so that one seed reproduces a whole run. mulberry32: tiny, fast,
// and good enough for shuffling and weight init; its whole state is one uint32, which makes
// checkpointing the RNG trivial.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** The current state, to store in a checkpoint and hand back to createRng. */
  state(): number;
}

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => s,
  };
}

/** A standard normal sample (Box–Muller), for Kaiming-normal initialisation. */
export function normal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]: log(u) is finite
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Fisher–Yates shuffle of 0 … n−1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
