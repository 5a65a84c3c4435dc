// add, axpy, scale, mul (outputs may alias inputs: each element is read before it is written) and
// partial sums of squares (one f64 partial per thread; the host adds the partials).
import { pu, pi, pf, split } from './memory';
import { ELEMENTWISE_A, ELEMENTWISE_ALPHA, ELEMENTWISE_B, ELEMENTWISE_LENGTH, ELEMENTWISE_OP, ELEMENTWISE_PARTS, ELEMENTWISE_Y , ELEMENTWISE_OP_ADD, ELEMENTWISE_OP_AXPY, ELEMENTWISE_OP_SCALE } from './abi';

// Parameter block: layout 'elementwise' of the ABI schema (assembly/abi.ts).
export function elementwise(tid: i32, nt: i32): void {
  const a = pu(ELEMENTWISE_A), b = pu(ELEMENTWISE_B), y = pu(ELEMENTWISE_Y), len = pi(ELEMENTWISE_LENGTH), op = pi(ELEMENTWISE_OP), alpha = pf(ELEMENTWISE_ALPHA);
  const nb = (len + 3) >> 2;
  const i0 = split(nb, tid, nt) * 4, i1 = min(len, split(nb, tid + 1, nt) * 4);
  const va = f32x4.splat(alpha);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const u = v128.load(a + o);
    let r: v128;
    if (op == ELEMENTWISE_OP_ADD) r = f32x4.add(u, v128.load(b + o));
    else if (op == ELEMENTWISE_OP_AXPY) r = f32x4.add(v128.load(b + o), f32x4.mul(va, u));
    else if (op == ELEMENTWISE_OP_SCALE) r = f32x4.mul(va, u);
    else r = f32x4.mul(u, v128.load(b + o));
    v128.store(y + o, r);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const u = load<f32>(a + o);
    let r: f32;
    if (op == ELEMENTWISE_OP_ADD) r = u + load<f32>(b + o);
    else if (op == ELEMENTWISE_OP_AXPY) r = load<f32>(b + o) + alpha * u;
    else if (op == ELEMENTWISE_OP_SCALE) r = alpha * u;
    else r = u * load<f32>(b + o);
    store<f32>(y + o, r);
  }
}

export function sumSquaresPartial(tid: i32, nt: i32): void {
  const x = pu(ELEMENTWISE_A), parts = pu(ELEMENTWISE_PARTS), len = pi(ELEMENTWISE_LENGTH);
  const i0 = split(len, tid, nt), i1 = split(len, tid + 1, nt);
  let s: f64 = 0;
  for (let i = i0; i < i1; i++) { const v = <f64>load<f32>(x + (<usize>i << 2)); s += v * v; }
  store<f64>(parts + (<usize>tid << 3), s);
}
