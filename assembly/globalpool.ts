// Global average pool [n, hw, c] -> [n, c] and its backward (broadcast of dy / hw).
import { pu, pi, split, storeN } from './memory';
import { GLOBAL_POOL_C, GLOBAL_POOL_DX, GLOBAL_POOL_DY, GLOBAL_POOL_HW, GLOBAL_POOL_N, GLOBAL_POOL_X, GLOBAL_POOL_Y } from './abi';

// Parameter block: layout 'globalPool' of the ABI schema (assembly/abi.ts).
export function gapForward(tid: i32, nt: i32): void {
  const x = pu(GLOBAL_POOL_X), y = pu(GLOBAL_POOL_Y), n = pi(GLOBAL_POOL_N), hw = pi(GLOBAL_POOL_HW), C = pi(GLOBAL_POOL_C);
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
  const dy = pu(GLOBAL_POOL_DY), dx = pu(GLOBAL_POOL_DX), n = pi(GLOBAL_POOL_N), hw = pi(GLOBAL_POOL_HW), C = pi(GLOBAL_POOL_C);
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
