// Parameter block and small helpers shared by every kernel family.
// The host writes a kernel's arguments (buffer byte offsets, sizes, scalars) into a fixed block of the
// shared memory, then calls `kernel(tid, nt)` on the calling thread and on each worker: every thread reads
// the same block and takes its own slice of the work, so a call needs no per-thread marshalling.

export const PARAMS: usize = 1024;

@inline export function pu(i: i32): usize { return <usize>load<u32>(PARAMS + (<usize>i << 2)); }
@inline export function pi(i: i32): i32 { return load<i32>(PARAMS + (<usize>i << 2)); }
@inline export function pf(i: i32): f32 { return load<f32>(PARAMS + (<usize>i << 2)); }

/** Start of thread `tid`'s share of `total` items (balanced contiguous split). */
@inline export function split(total: i32, tid: i32, nt: i32): i32 {
  return <i32>((<i64>total * <i64>tid) / <i64>nt);
}

/** a*b + c: fused where relaxed SIMD is compiled in (the relaxed build), else mul + add. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Stores the first n (0..4) lanes of v at p. */
@inline export function storeN(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Stores the first n (0..8) lanes of the pair (v0, v1) at p. */
@inline export function store8N(p: usize, v0: v128, v1: v128, n: i32): void {
  if (n >= 8) { v128.store(p, v0); v128.store(p, v1, 16); return; }
  storeN(p, v0, n);
  if (n > 4) storeN(p + 16, v1, n - 4);
}
