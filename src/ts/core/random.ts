// Seeded randomness. Two kinds:
// - a stream PRNG (xoshiro128**) for initialisation and shuffling, reproducible from a seed;
// - a counter-based hash for dropout masks, so every backend (js, wasm, CUDA) draws the SAME mask
//   for the same (seed, index) without sharing state: the property the conformance tests rely on.

/** 32-bit mix of (seed, index): murmur3's finaliser over a Weyl-sequence combination. */
export function hash32(seed: number, index: number): number {
  let h = (Math.imul(index | 0, 0x9e3779b1) + Math.imul(seed | 0, 0x85ebca77)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Integer threshold for a drop rate: an element is kept when (hash32 >>> 8) >= dropThreshold(rate). */
export function dropThreshold(rate: number): number {
  return Math.floor(rate * 16777216);
}

/** The dropout decision every backend must reproduce bit for bit. */
export function dropoutKeep(seed: number, index: number, rate: number): boolean {
  return hash32(seed, index) >>> 8 >= dropThreshold(rate);
}

/** xoshiro128** seeded through splitmix32: fast, good quality, 32-bit state words. */
export class Rng {
  private s0: number; private s1: number; private s2: number; private s3: number;
  private spare: number | null = null;

  constructor(seed = 0) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number { return this.nextU32() / 4294967296; }

  /** Integer in [0, n). */
  int(n: number): number { return Math.floor(this.uniform() * n); }

  /** Standard normal (Box-Muller, caching the second draw). */
  normal(): number {
    if (this.spare !== null) { const s = this.spare; this.spare = null; return s; }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }
