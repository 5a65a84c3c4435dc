// Squeeze-excite scaling y[i, p, c] = x[i, p, c] * s[i, c] and its backward.
import { pu, pi, split, storeN } from './memory';

// Params: 0 x, 1 s, 2 y|dy, 3 dx, 4 ds; 16 n, 17 hw, 18 c.
export function csForward(tid: i32, nt: i32): void {
  const x = pu(0), s = pu(1), y = pu(2), n = pi(16), hw = pi(17), C = pi(18);
  const R = n * hw;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / hw;
    const base = <usize>(r * C) << 2, sb = s + (<usize>(b * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const o = <usize>c << 2;
      storeN(y + base + o, f32x4.mul(v128.load(x + base + o), v128.load(sb + o)), C - c);
    }
  }
}

export function csBackward(tid: i32, nt: i32): void {
  const x = pu(0), s = pu(1), dy = pu(2), dx = pu(3), ds = pu(4), n = pi(16), hw = pi(17), C = pi(18);
  const R = n * hw;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / hw;
    const base = <usize>(r * C) << 2, sb = s + (<usize>(b * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const o = <usize>c << 2;
      storeN(dx + base + o, f32x4.mul(v128.load(dy + base + o), v128.load(sb + o)), C - c);
    }
  }
  const I = n * C;
  const j0 = split(I, tid, nt), j1 = split(I, tid + 1, nt);
  for (let j = j0; j < j1; j++) {
    const b = j / C, c = j - b * C;
    let acc: f64 = 0;
    for (let p = 0; p < hw; p++) {
      const o = <usize>((b * hw + p) * C + c) << 2;
      acc += <f64>load<f32>(dy + o) * <f64>load<f32>(x + o);
    }
    store<f32>(ds + (<usize>j << 2), <f32>acc);
  }
}
