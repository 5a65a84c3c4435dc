// Global average pool [n, hw, c] -> [n, c] and its backward (broadcast of dy / hw).
import { pu, pi, split, storeN } from './memory';

// Params: 0 x|dy, 1 y|dx; 16 n, 17 hw, 18 c.
export function gapForward(tid: i32, nt: i32): void {
  const x = pu(0), y = pu(1), n = pi(16), hw = pi(17), C = pi(18);
  const nCB = (C + 3) >> 2;
  const I = n * nCB;
  const i0 = split(I, tid, nt), i1 = split(I, tid + 1, nt);
  const scale = f32x4.splat(<f32>1 / <f32>hw);
  for (let it = i0; it < i1; it++) {
    const b = it / nCB, c = (it - b * nCB) * 4;
    let acc = f32x4.splat(0);
    let p = x + (<usize>(b * hw * C + c) << 2);
    for (let i = 0; i < hw; i++) { acc = f32x4.add(acc, v128.load(p)); p += <usize>C << 2; }
    storeN(y + (<usize>(b * C + c) << 2), f32x4.mul(acc, scale), C - c);
  }
}

export function gapBackward(tid: i32, nt: i32): void {
  const dy = pu(0), dx = pu(1), n = pi(16), hw = pi(17), C = pi(18);
  const R = n * hw;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  const scale = f32x4.splat(<f32>1 / <f32>hw);
  for (let r = r0; r < r1; r++) {
    const b = r / hw;
    const src = dy + (<usize>(b * C) << 2), dst = dx + (<usize>(r * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const o = <usize>c << 2;
      storeN(dst + o, f32x4.mul(v128.load(src + o), scale), C - c);
    }
  }
}
