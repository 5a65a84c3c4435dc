// Max and average pooling, NHWC. Forward splits output rows across threads (SIMD over channels);
// backward scatters into dx and so splits channels across threads (no two threads touch one element).
import { pu, pi, split, storeN } from './memory';

// Params: 0 x, 1 y|dy, 2 dx; 16 n, 17 inH, 18 inW, 19 c, 20 outH, 21 outW, 22 kH, 23 kW, 24 sH, 25 sW,
// 26 padTop, 27 padLeft, 28 countIncludePad, 29 padBottom, 30 padRight (limits of the padded extent).

/** torch's avg divisor: window clipped to the padded extent (count pad) or to the input (not). */
@inline function avgDivisor(oh: i32, ow: i32): f32 {
  const inH = pi(17), inW = pi(18), kH = pi(22), kW = pi(23), sH = pi(24), sW = pi(25), pT = pi(26), pL = pi(27);
  let h0 = oh * sH - pT, w0 = ow * sW - pL;
  let h1 = min(h0 + kH, inH + pi(29)), w1 = min(w0 + kW, inW + pi(30));
  if (pi(28) != 0) return <f32>((h1 - h0) * (w1 - w0));
  h0 = max(h0, 0); w0 = max(w0, 0); h1 = min(h1, inH); w1 = min(w1, inW);
  return <f32>((h1 - h0) * (w1 - w0));
}

/** mode 0 max, 1 avg. */
export function poolForward(tid: i32, nt: i32): void {
  const x = pu(0), y = pu(1);
  const n = pi(16), inH = pi(17), inW = pi(18), C = pi(19), outH = pi(20), outW = pi(21);
  const kH = pi(22), kW = pi(23), sH = pi(24), sW = pi(25), pT = pi(26), pL = pi(27), mode = pi(31);
  const R = n * outH;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / outH, oh = r - b * outH;
    const h0 = max(0, oh * sH - pT), h1 = min(inH, oh * sH - pT + kH);
    for (let ow = 0; ow < outW; ow++) {
      const w0 = max(0, ow * sW - pL), w1 = min(inW, ow * sW - pL + kW);
      const yp = y + (<usize>((r * outW + ow) * C) << 2);
      const scale = mode == 1 ? <f32>1 / avgDivisor(oh, ow) : <f32>1;
      for (let c = 0; c < C; c += 4) {
        const cb = <usize>c << 2;
        let acc = mode == 0 ? f32x4.splat(-Infinity) : f32x4.splat(0);
        for (let ih = h0; ih < h1; ih++) {
          const row = x + (<usize>((b * inH + ih) * inW) * <usize>C << 2) + cb;
          for (let iw = w0; iw < w1; iw++) {
            const v = v128.load(row + (<usize>(iw * C) << 2));
            acc = mode == 0 ? f32x4.max(acc, v) : f32x4.add(acc, v);
          }
        }
        if (mode == 1) acc = f32x4.mul(acc, f32x4.splat(scale));
        storeN(yp + cb, acc, C - c);
      }
    }
  }
}

export function poolBackward(tid: i32, nt: i32): void {
  const x = pu(0), dy = pu(1), dx = pu(2);
  const n = pi(16), inH = pi(17), inW = pi(18), C = pi(19), outH = pi(20), outW = pi(21);
  const kH = pi(22), kW = pi(23), sH = pi(24), sW = pi(25), pT = pi(26), pL = pi(27), mode = pi(31);
  const c0 = split(C, tid, nt), c1 = split(C, tid + 1, nt);
  if (c0 >= c1) return;
  const P = n * inH * inW;
  for (let p = 0; p < P; p++) {
    const q = dx + (<usize>(p * C) << 2);
    for (let c = c0; c < c1; c++) store<f32>(q + (<usize>c << 2), 0);
  }
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const h0 = max(0, oh * sH - pT), h1 = min(inH, oh * sH - pT + kH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = max(0, ow * sW - pL), w1 = min(inW, ow * sW - pL + kW);
        const gp = dy + (<usize>(((b * outH + oh) * outW + ow) * C) << 2);
        if (mode == 0) {
          for (let c = c0; c < c1; c++) {
            let best: f32 = -Infinity, bi: usize = 0, found = false;
            for (let ih = h0; ih < h1; ih++) {
              for (let iw = w0; iw < w1; iw++) {
                const off = <usize>(((b * inH + ih) * inW + iw) * C + c) << 2;
                const v = load<f32>(x + off);
                if (!found || v > best) { best = v; bi = off; found = true; }
              }
            }
            if (found) store<f32>(dx + bi, load<f32>(dx + bi) + load<f32>(gp + (<usize>c << 2)));
          }
        } else {
          const scale = <f32>1 / avgDivisor(oh, ow);
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const q = dx + (<usize>(((b * inH + ih) * inW + iw) * C) << 2);
              for (let c = c0; c < c1; c++) {
                const o = <usize>c << 2;
                store<f32>(q + o, load<f32>(q + o) + load<f32>(gp + o) * scale);
              }
            }
          }
        }
      }
    }
  }
}
