// Pointwise activations and their gradients. Codes as memory.ts: 1 relu, 2 relu6, 3 silu, 4 sigmoid,
// 5 hardswish, 6 hardsigmoid.
import { pu, pi, split, actVec, actScalar, sigmoidf } from './memory';

// Params: 0 x, 1 y, 2 dy, 3 dx; 16 length, 17 kind.
export function actForward(tid: i32, nt: i32): void {
  const x = pu(0), y = pu(1), len = pi(16), act = pi(17);
  const nb = (len + 3) >> 2;
  const i0 = split(nb, tid, nt) * 4, i1 = min(len, split(nb, tid + 1, nt) * 4);
  let i = i0;
  if (act != 3 && act != 4) {
    for (; i + 4 <= i1; i += 4) { const o = <usize>i << 2; v128.store(y + o, actVec(v128.load(x + o), act)); }
  }
  for (; i < i1; i++) { const o = <usize>i << 2; store<f32>(y + o, actScalar(load<f32>(x + o), act)); }
}

@inline function grad(act: i32, x: f32, y: f32, g: f32): f32 {
  switch (act) {
    case 1: return x > 0 ? g : 0;
    case 2: return x > 0 && x < 6 ? g : 0;
    case 3: { const s = sigmoidf(x); return g * (s + x * s * (1 - s)); }
    case 4: return g * y * (1 - y);
    case 5: return x < -3 ? 0 : (x > 3 ? g : g * (2 * x + 3) / 6);
    case 6: return x > -3 && x < 3 ? g / 6 : 0;
    default: return g;
  }
}

export function actBackward(tid: i32, nt: i32): void {
  const x = pu(0), y = pu(1), dy = pu(2), dx = pu(3), len = pi(16), act = pi(17);
  const nb = (len + 3) >> 2;
  const i0 = split(nb, tid, nt) * 4, i1 = min(len, split(nb, tid + 1, nt) * 4);
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, grad(act, load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o)));
  }
}
