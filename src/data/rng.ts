/**
 * Seeded randomness for the data pipeline. Every random choice (shuffle,
 * augmentation, synthetic scenes) comes from a generator seeded by a hash of
 * the run seed and the position it serves, so results do not depend on which
 * worker runs a sample or on how many workers there are. No `Math.random`.
 */

/** A uniform generator on `[0, 1)`. */
export interface Rng {
  next(): number;
}

/** mulberry32: a 32-bit state generator, fast and good enough for augmentation. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Mixes integers into one 32-bit seed (murmur3's finaliser after each word). */
export function hashSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    h ^= Math.trunc(word) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** The generator for `words` (e.g. seed, epoch, sample index). */
export function rngFor(...words: number[]): Rng {
  return mulberry32(hashSeed(...words));
}

export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}

/** An integer in `[low, high]`, both ends included. */
export function randInt(rng: Rng, low: number, high: number): number {
  return low + Math.floor(rng.next() * (high - low + 1));
}

export function choice<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)] as T;
}

/** A Fisher–Yates permutation of `0..n-1`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}
