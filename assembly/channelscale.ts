// Squeeze-excite scaling y[i, p, c] = x[i, p, c] * s[i, c] and its backward.
import { pu, pi, split, storeN } from './memory';
import { CHANNEL_SCALE_C, CHANNEL_SCALE_DS, CHANNEL_SCALE_DX, CHANNEL_SCALE_DY, CHANNEL_SCALE_HW, CHANNEL_SCALE_N, CHANNEL_SCALE_S, CHANNEL_SCALE_X, CHANNEL_SCALE_Y } from './abi';

// Parameter block: layout 'channelScale' of the ABI schema (assembly/abi.ts).
export function csForward(tid: i32, nt: i32): void {
  const x = pu(CHANNEL_SCALE_X), s = pu(CHANNEL_SCALE_S), y = pu(CHANNEL_SCALE_Y), n = pi(CHANNEL_SCALE_N), hw = pi(CHANNEL_SCALE_HW), C = pi(CHANNEL_SCALE_C);
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
  const x = pu(CHANNEL_SCALE_X), s = pu(CHANNEL_SCALE_S), dy = pu(CHANNEL_SCALE_DY), dx = pu(CHANNEL_SCALE_DX), ds = pu(CHANNEL_SCALE_DS), n = pi(CHANNEL_SCALE_N), hw = pi(CHANNEL_SCALE_HW), C = pi(CHANNEL_SCALE_C);
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
