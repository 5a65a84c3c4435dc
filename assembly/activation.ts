// Pointwise activations and their gradients, by their schema codes (enum activation, assembly/abi.ts).
import { pu, pi, split, actVec, actScalar, actNeedsScalar, sigmoidf, normalCdf } from './memory';
import { ACTIVATION_X, ACTIVATION_Y, ACTIVATION_DY, ACTIVATION_DX, ACTIVATION_LENGTH, ACTIVATION_KIND,
  ACTIVATION_RELU, ACTIVATION_RELU6, ACTIVATION_SILU, ACTIVATION_SIGMOID, ACTIVATION_HARDSWISH, ACTIVATION_HARDSIGMOID,
  ACTIVATION_GELU } from './abi';

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
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, grad(act, load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o)));
  }
}
