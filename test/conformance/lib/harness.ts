// The pieces every kernel family's test body is made of: the family record, seeded inputs, kernel cases
// (buffers + one call), running a case on a backend, the error metric, and the value-check helpers.
//
// Error metric (per output buffer): rel = max_i |got_i - want_i| / max(1, max_i |want_i|), i.e. absolute
// error for values of order <= 1 and relative to the largest reference value otherwise. NaN anywhere
// fails. Inputs are rounded to float32 before use, so both sides see identical inputs; pure outputs are
// pre-filled with NaN, so a kernel that accumulates into (or skips part of) its output fails.
import type { Backend, Buf, KernelName } from '../../../src/ts/core/backend.js';
import { Rng } from '../../../src/ts/core/random.js';
import type { GradCheckSpec } from './gradcheck.js';

/** A buffer spec: initial contents (in/out or input), or a length (pure output, pre-filled with NaN). */
export type BufSpec = Float64Array | number;

export interface KernelCase {
  kernel: KernelName;
  name: string;
  bufs: Record<string, BufSpec>;
  /** Buffers compared after the call. */
  outputs: string[];
  call: (b: Backend, bufs: Record<string, Buf>) => void;
  /** Zero pattern compared exactly (dropout masks: all backends must drop the same elements). */
  exact?: boolean;
}

/** One check: run the kernel on a small case, compare with a value computed independently of it. */
export interface ValueCheck {
  what: string;
  run(b: Backend): { got: ArrayLike<number>; want: ArrayLike<number> };
}

export interface KernelCoverage {
  /** Tests against independent values (hand-computed examples, naive formulas written in the test). */
  values: ValueCheck[];
  /** Non-differentiable kernels: why no gradient check applies (their value checks test the formula). */
  exempt?: string;
}

/**
 * One kernel family: the kernels of src/ts/backends/js/<name>.ts (and assembly/, native/src/ files of
 * that name), their conformance cases, value checks and gradient checks. The keys of `coverage` are the
 * family's kernels: test/contract.test.ts checks they partition KERNEL_NAMES.
 */
export interface Family {
  name: string;
  coverage: Partial<Record<KernelName, KernelCoverage>>;
  /** Conformance cases: 'small' = the awkward shapes; 'full' adds larger, real-layer-like ones. */
  cases(mode: 'small' | 'full'): KernelCase[];
  /** GPU-sized cases (issue 13): native always, wasm with CONVNETS_CONFORMANCE_LARGE=1. */
  large?(): KernelCase[];
  /** Finite-difference gradient checks (js float64) of the family's kernels. */
  gradchecks(): GradCheckSpec[];
}

/** Memoises a family's case lists, so the 'full' list reuses the 'small' case objects (and their reference outputs). */
export function caseLists(small: () => KernelCase[], extra: () => KernelCase[]): (mode: 'small' | 'full') => KernelCase[] {
  let s: KernelCase[] | null = null, f: KernelCase[] | null = null;
  return (mode) => {
    s ??= small();
    if (mode === 'small') return s;
    f ??= [...s, ...extra()];
    return f;
  };
}

/** Vector lengths of the elementwise-style kernels: 1, odd, past every SIMD/thread split; 'full' adds one past 64Ki. */
export const VECTOR_LENGTHS = { small: [1, 7, 1001], full: [65537] };

/** Seeded generator of float32-representable inputs. */
export class Gen {
  private r: Rng;
  constructor(seed: number) { this.r = new Rng(seed); }
  normal(n: number, std = 1, mean = 0): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.fround(mean + std * this.r.normal());
    return a;
  }
  uniform(n: number, lo: number, hi: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.fround(lo + (hi - lo) * this.r.uniform());
    return a;
  }
  labels(n: number, classes: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.r.int(classes);
    return a;
  }
  /** A random permutation of distinct values (no ties, e.g. for max pool), spaced >= step apart. */
  distinct(n: number, step = 0.01): Float64Array {
    const idx = Array.from({ length: n }, (_, i) => i);
    this.r.shuffle(idx);
    return Float64Array.from(idx, (i) => Math.fround((i - n / 2) * step));
  }
}

/** Shapes of the per-sample, per-channel kernels (global pool, channel scale): n x hw x c. */
export interface NhcCase { name: string; n: number; hw: number; c: number; }

export const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs one case on a backend: allocates, writes, calls, reads the outputs back, frees everything. */
export function runKernelCase(b: Backend, kc: KernelCase): Record<string, Float64Array> {
  const bufs: Record<string, Buf> = {};
  try {
    for (const [k, spec] of Object.entries(kc.bufs)) {
      const len = typeof spec === 'number' ? spec : spec.length;
      bufs[k] = b.alloc(len);
      if (typeof spec === 'number') b.fill(bufs[k], NaN);
      else b.write(bufs[k], spec);
    }
    kc.call(b, bufs);
    const res: Record<string, Float64Array> = {};
    for (const o of kc.outputs) res[o] = Float64Array.from(b.read(bufs[o]));
    return res;
  } finally {
    for (const buf of Object.values(bufs)) b.free(buf);
  }
}

/** max |a - b| / max(1, max |b|); Infinity on length mismatch, NaN if anything is NaN. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0, scale = 1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isNaN(d)) return NaN;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

// ---- value-check helpers ----------------------------------------------------------------------------

function buf(b: Backend, v: ArrayLike<number>): Buf { const x = b.alloc(v.length); b.write(x, v); return x; }

/** Runs `f` with fresh buffers for `ins` (values) and `outs` (lengths), returns the outputs, frees all. */
export function withBufs(b: Backend, ins: ArrayLike<number>[], outs: number[], f: (i: Buf[], o: Buf[]) => void): number[][] {
  const I = ins.map((v) => buf(b, v)), O = outs.map((n) => b.alloc(n));
  try {
    f(I, O);
    // In/out buffers (optimisers, axpy) are returned after the outputs.
    return [...O.map((o) => Array.from(b.read(o))), ...I.map((i) => Array.from(b.read(i)))];
  } finally {
    for (const x of [...I, ...O]) b.free(x);
  }
}

/** A 4x4 single-channel image, row-major (hand-computed conv and pool examples). */
export const X44 = [1, 2, 0, 1, 0, 1, 3, 1, 2, 1, 0, 0, 1, 0, 2, 3];
