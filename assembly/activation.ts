// Pointwise activations and their gradients, by their schema codes (enum activation, assembly/abi.ts),
// and the per-element helpers the fused conv epilogues (gemm.ts, dwconv2d.ts) share.
import { pu, pi, split } from './memory';
import { ACTIVATION_X, ACTIVATION_Y, ACTIVATION_DY, ACTIVATION_DX, ACTIVATION_LENGTH, ACTIVATION_KIND,
  ACTIVATION_RELU, ACTIVATION_RELU6, ACTIVATION_SILU, ACTIVATION_SIGMOID, ACTIVATION_HARDSWISH, ACTIVATION_HARDSIGMOID,
  ACTIVATION_GELU } from './abi';

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

export function actForward(tid: i32, nt: i32): void {
  const x = pu(ACTIVATION_X), y = pu(ACTIVATION_Y), len = pi(ACTIVATION_LENGTH), act = pi(ACTIVATION_KIND);
  const nb = (len + 3) >> 2;
  const i0 = split(nb, tid, nt) * 4, i1 = min(len, split(nb, tid + 1, nt) * 4);
  let i = i0;
  if (!actNeedsScalar(act)) {
    for (; i + 4 <= i1; i += 4) { const o = <usize>i << 2; v128.store(y + o, actVec(v128.load(x + o), act)); }
  }
  for (; i < i1; i++) { const o = <usize>i << 2; store<f32>(y + o, actScalar(load<f32>(x + o), act)); }
}

@inline function grad(act: i32, x: f32, y: f32, g: f32): f32 {
  switch (act) {
    case ACTIVATION_RELU: return x > 0 ? g : 0;
    case ACTIVATION_RELU6: return x > 0 && x < 6 ? g : 0;
    case ACTIVATION_SILU: { const s = sigmoidf(x); return g * (s + x * s * (1 - s)); }
    case ACTIVATION_SIGMOID: return g * y * (1 - y);
    case ACTIVATION_HARDSWISH: return x < -3 ? 0 : (x > 3 ? g : g * (2 * x + 3) / 6);
    case ACTIVATION_HARDSIGMOID: return x > -3 && x < 3 ? g / 6 : 0;
    case ACTIVATION_GELU: {
      // d/dx x Phi(x) = Phi(x) + x phi(x)
      const xd = <f64>x;
      return <f32>(<f64>g * (normalCdf(xd) + xd * Math.exp(-0.5 * xd * xd) * 0.3989422804014327));
    }
    default: return g;
  }
}

export function actBackward(tid: i32, nt: i32): void {
  const x = pu(ACTIVATION_X), y = pu(ACTIVATION_Y), dy = pu(ACTIVATION_DY), dx = pu(ACTIVATION_DX);
  const len = pi(ACTIVATION_LENGTH), act = pi(ACTIVATION_KIND);
  const nb = (len + 3) >> 2;
  const i0 = split(nb, tid, nt) * 4, i1 = min(len, split(nb, tid + 1, nt) * 4);
  let i = i0;
  if (act == ACTIVATION_RELU || act == ACTIVATION_RELU6) {
    // dy times a 0/1 mask, four lanes at a time: the scalar select is a branch per element, which
    // mispredicts on real data (random signs) and costs several times the vector loop. NaN dy stays NaN.
    const zero = f32x4.splat(0), six = f32x4.splat(6), one = f32x4.splat(1);
    const relu6 = act == ACTIVATION_RELU6;
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      const xv = v128.load(x + o);
      let on = f32x4.gt(xv, zero);
      if (relu6) on = v128.and(on, f32x4.lt(xv, six));
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.and(on, one)));
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, grad(act, load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o)));
  }
}
