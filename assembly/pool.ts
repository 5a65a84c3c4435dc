// Max and average pooling, NHWC. Forward splits output rows across threads (SIMD over channels);
// backward scatters into dx and so splits channels across threads (no two threads touch one element).
import { pu, pi, split, storeN } from './memory';
import { ADAPTIVE_POOL_C, ADAPTIVE_POOL_DX, ADAPTIVE_POOL_DY, ADAPTIVE_POOL_IN_H, ADAPTIVE_POOL_IN_W, ADAPTIVE_POOL_N,
  ADAPTIVE_POOL_OUT_H, ADAPTIVE_POOL_OUT_W, ADAPTIVE_POOL_X, ADAPTIVE_POOL_Y, POOL_C, POOL_COUNT_INCLUDE_PAD, POOL_DX, POOL_DY, POOL_IN_H, POOL_IN_W, POOL_K_H, POOL_K_W, POOL_MODE, POOL_N, POOL_OUT_H, POOL_OUT_W, POOL_PAD_BOTTOM, POOL_PAD_LEFT, POOL_PAD_RIGHT, POOL_PAD_TOP, POOL_STRIDE_H, POOL_STRIDE_W, POOL_X, POOL_Y, POOL_MODE_AVG, POOL_MODE_MAX } from './abi';

// Parameter block: layout 'pool' of the ABI schema (assembly/abi.ts).

/** torch's avg divisor: window clipped to the padded extent (count pad) or to the input (not). */
@inline function avgDivisor(oh: i32, ow: i32): f32 {
  const inH = pi(POOL_IN_H), inW = pi(POOL_IN_W), kH = pi(POOL_K_H), kW = pi(POOL_K_W), sH = pi(POOL_STRIDE_H), sW = pi(POOL_STRIDE_W), pT = pi(POOL_PAD_TOP), pL = pi(POOL_PAD_LEFT);
  let h0 = oh * sH - pT, w0 = ow * sW - pL;
  let h1 = min(h0 + kH, inH + pi(POOL_PAD_BOTTOM)), w1 = min(w0 + kW, inW + pi(POOL_PAD_RIGHT));
  if (pi(POOL_COUNT_INCLUDE_PAD) != 0) return <f32>((h1 - h0) * (w1 - w0));
  h0 = max(h0, 0); w0 = max(w0, 0); h1 = min(h1, inH); w1 = min(w1, inW);
  return <f32>((h1 - h0) * (w1 - w0));
}

/** Max or average (enum poolMode). */
export function poolForward(tid: i32, nt: i32): void {
  const x = pu(POOL_X), y = pu(POOL_Y);
  const n = pi(POOL_N), inH = pi(POOL_IN_H), inW = pi(POOL_IN_W), C = pi(POOL_C), outH = pi(POOL_OUT_H), outW = pi(POOL_OUT_W);
  const kH = pi(POOL_K_H), kW = pi(POOL_K_W), sH = pi(POOL_STRIDE_H), sW = pi(POOL_STRIDE_W), pT = pi(POOL_PAD_TOP), pL = pi(POOL_PAD_LEFT), mode = pi(POOL_MODE);
  const R = n * outH;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / outH, oh = r - b * outH;
    const h0 = max(0, oh * sH - pT), h1 = min(inH, oh * sH - pT + kH);
    for (let ow = 0; ow < outW; ow++) {
      const w0 = max(0, ow * sW - pL), w1 = min(inW, ow * sW - pL + kW);
      const yp = y + (<usize>((r * outW + ow) * C) << 2);
      const scale = mode == POOL_MODE_AVG ? <f32>1 / avgDivisor(oh, ow) : <f32>1;
      for (let c = 0; c < C; c += 4) {
        const cb = <usize>c << 2;
        let acc = mode == POOL_MODE_MAX ? f32x4.splat(-Infinity) : f32x4.splat(0);
        for (let ih = h0; ih < h1; ih++) {
          const row = x + (<usize>((b * inH + ih) * inW) * <usize>C << 2) + cb;
          for (let iw = w0; iw < w1; iw++) {
            const v = v128.load(row + (<usize>(iw * C) << 2));
            acc = mode == POOL_MODE_MAX ? f32x4.max(acc, v) : f32x4.add(acc, v);
          }
        }
        if (mode == POOL_MODE_AVG) acc = f32x4.mul(acc, f32x4.splat(scale));
        storeN(yp + cb, acc, C - c);
      }
    }
  }
}

export function poolBackward(tid: i32, nt: i32): void {
  const x = pu(POOL_X), dy = pu(POOL_DY), dx = pu(POOL_DX);
  const n = pi(POOL_N), inH = pi(POOL_IN_H), inW = pi(POOL_IN_W), C = pi(POOL_C), outH = pi(POOL_OUT_H), outW = pi(POOL_OUT_W);
  const kH = pi(POOL_K_H), kW = pi(POOL_K_W), sH = pi(POOL_STRIDE_H), sW = pi(POOL_STRIDE_W), pT = pi(POOL_PAD_TOP), pL = pi(POOL_PAD_LEFT), mode = pi(POOL_MODE);
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
        if (mode == POOL_MODE_MAX) {
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

// ---- adaptive average pooling (torch's AdaptiveAvgPool2d): uneven, possibly overlapping windows -----
// Window of output index i over an axis of `inS` -> `outS`: [floor(i*inS/outS), ceil((i+1)*inS/outS)).
@inline function winStart(i: i32, inS: i32, outS: i32): i32 { return <i32>((<i64>i * inS) / outS); }
@inline function winEnd(i: i32, inS: i32, outS: i32): i32 { return <i32>((<i64>(i + 1) * inS + outS - 1) / outS); }

/** Output rows (n * outH) split across threads; each cell sums its window per channel in f32. */
export function adaptiveForward(tid: i32, nt: i32): void {
  const x = pu(ADAPTIVE_POOL_X), y = pu(ADAPTIVE_POOL_Y);
  const n = pi(ADAPTIVE_POOL_N), inH = pi(ADAPTIVE_POOL_IN_H), inW = pi(ADAPTIVE_POOL_IN_W), C = pi(ADAPTIVE_POOL_C);
  const outH = pi(ADAPTIVE_POOL_OUT_H), outW = pi(ADAPTIVE_POOL_OUT_W);
  const R = n * outH;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / outH, oh = r - b * outH;
    const h0 = winStart(oh, inH, outH), h1 = winEnd(oh, inH, outH);
    for (let ow = 0; ow < outW; ow++) {
      const w0 = winStart(ow, inW, outW), w1 = winEnd(ow, inW, outW);
      const inv = <f32>1 / <f32>((h1 - h0) * (w1 - w0));
      const yp = y + (<usize>((r * outW + ow) * C) << 2);
      for (let c = 0; c < C; c++) store<f32>(yp + (<usize>c << 2), 0);
      for (let ih = h0; ih < h1; ih++) {
        for (let iw = w0; iw < w1; iw++) {
          const xp = x + (<usize>(((b * inH + ih) * inW + iw) * C) << 2);
          let c = 0;
          for (; c + 4 <= C; c += 4) {
            const o = <usize>c << 2;
            v128.store(yp + o, f32x4.add(v128.load(yp + o), v128.load(xp + o)));
          }
          for (; c < C; c++) { const o = <usize>c << 2; store<f32>(yp + o, load<f32>(yp + o) + load<f32>(xp + o)); }
        }
      }
      for (let c = 0; c < C; c++) { const o = <usize>c << 2; store<f32>(yp + o, load<f32>(yp + o) * inv); }
    }
  }
}

/** dx[window] += dy / window size; windows overlap, so threads split channels (no shared element). */
export function adaptiveBackward(tid: i32, nt: i32): void {
  const dy = pu(ADAPTIVE_POOL_DY), dx = pu(ADAPTIVE_POOL_DX);
  const n = pi(ADAPTIVE_POOL_N), inH = pi(ADAPTIVE_POOL_IN_H), inW = pi(ADAPTIVE_POOL_IN_W), C = pi(ADAPTIVE_POOL_C);
  const outH = pi(ADAPTIVE_POOL_OUT_H), outW = pi(ADAPTIVE_POOL_OUT_W);
  const c0 = split(C, tid, nt), c1 = split(C, tid + 1, nt);
  if (c0 >= c1) return;
  for (let p = 0; p < n * inH * inW; p++) {
    const base = <usize>(p * C) << 2;
    for (let c = c0; c < c1; c++) store<f32>(dx + base + (<usize>c << 2), 0);
  }
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const h0 = winStart(oh, inH, outH), h1 = winEnd(oh, inH, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = winStart(ow, inW, outW), w1 = winEnd(ow, inW, outW);
        const inv = <f32>1 / <f32>((h1 - h0) * (w1 - w0));
        const gp = dy + (<usize>(((b * outH + oh) * outW + ow) * C) << 2);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const xp = dx + (<usize>(((b * inH + ih) * inW + iw) * C) << 2);
            for (let c = c0; c < c1; c++) {
              const o = <usize>c << 2;
              store<f32>(xp + o, load<f32>(xp + o) + load<f32>(gp + o) * inv);
            }
          }
        }
      }
    }
  }
}
