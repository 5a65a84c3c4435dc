// Parameter block and small helpers shared by every kernel family.
// The host writes a kernel's arguments (buffer byte offsets, sizes, scalars) into a fixed block of the
// shared memory, then calls `kernel(tid, nt)` on the calling thread and on each worker: every thread reads
// the same block and takes its own slice of the work, so a call needs no per-thread marshalling.

import { ACTIVATION_RELU, ACTIVATION_RELU6, ACTIVATION_SILU, ACTIVATION_SIGMOID, ACTIVATION_HARDSWISH, ACTIVATION_HARDSIGMOID,
  ACTIVATION_GELU } from './abi';

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

// Activations by their schema codes (enum activation in assembly/abi.ts).
@inline export function actVec(v: v128, act: i32): v128 {
  if (act == ACTIVATION_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACTIVATION_RELU6) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  if (act == ACTIVATION_HARDSWISH) {
    const t = f32x4.min(f32x4.max(f32x4.add(v, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
    return f32x4.mul(v, f32x4.mul(t, f32x4.splat(1.0 / 6.0)));
  }
  if (act == ACTIVATION_HARDSIGMOID) {
    const t = f32x4.min(f32x4.max(f32x4.add(v, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
    return f32x4.mul(t, f32x4.splat(1.0 / 6.0));
  }
  return v;
}

@inline export function sigmoidf(x: f32): f32 {
  // Split by sign so exp never overflows.
  if (x >= 0) return <f32>1 / (<f32>1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (<f32>1 + e);
}

/**
 * The standard normal CDF in f64: 0.5 * (1 + erf(x / sqrt 2)) by its Taylor series where that is exact
 * to rounding (|z| < 3), else 0.5 * erfc(|z|) by its continued fraction, so the tail keeps its relative
 * accuracy (GELU of a negative input is a small number, not a difference of two near-equal ones).
 */
export function normalCdf(x: f64): f64 {
  const z = x * 0.7071067811865476;
  const az = Math.abs(z);
  if (az < 3) {
    // erf z = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))
    let term = z, sum = z;
    const z2 = z * z;
    for (let n = 1; n < 60; n++) {
      term *= -z2 / <f64>n;
      const t = term / <f64>(2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return 0.5 + sum * 0.5641895835477563; // 0.5 * 2/sqrt(pi)
  }
  // erfc a = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))), evaluated bottom-up.
  let f: f64 = az;
  for (let k = 60; k >= 1; k--) f = az + (<f64>k * 0.5) / f;
  const tail = 0.5 * Math.exp(-az * az) * 0.5641895835477563 / f;
  return z < 0 ? tail : 1 - tail;
}

export function actScalar(x: f32, act: i32): f32 {
  switch (act) {
    case ACTIVATION_RELU: return x > 0 ? x : 0;
    case ACTIVATION_RELU6: return x < 0 ? 0 : (x > 6 ? 6 : x);
    case ACTIVATION_SILU: return x * sigmoidf(x);
    case ACTIVATION_SIGMOID: return sigmoidf(x);
    case ACTIVATION_HARDSWISH: { const t = x + 3; return x * (t < 0 ? 0 : (t > 6 ? 6 : t)) / 6; }
    case ACTIVATION_HARDSIGMOID: { const t = x + 3; return (t < 0 ? 0 : (t > 6 ? 6 : t)) / 6; }
    case ACTIVATION_GELU: return <f32>(<f64>x * normalCdf(<f64>x));
    default: return x;
  }
}

/** Activations needing exp/erf (silu, sigmoid, gelu) run scalar; the others go through actVec. */
@inline export function actNeedsScalar(act: i32): bool {
  return act == ACTIVATION_SILU || act == ACTIVATION_SIGMOID || act == ACTIVATION_GELU;
}
