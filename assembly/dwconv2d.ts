// Depthwise convolution, NHWC, channel-tiled: 8 channels per step in SIMD registers, taps unrolled by
// the loop over the (clipped) window. Multiplier 1 (every depthwise layer of MobileNet/EfficientNet)
// takes the SIMD path with weights repacked tap-major [tap][C padded to 8]; other multipliers take a
// scalar generic path.
import { pu, pi, split, madd, store8N } from './memory';
import { actVec, actScalar, actNeedsScalar } from './activation';
import { CONV_A, CONV_ACTIVATION, CONV_BIAS, CONV_C, CONV_DB, CONV_DILATION_H, CONV_DILATION_W, CONV_DWT, CONV_HAS_BIAS, CONV_IN_C, CONV_IN_H, CONV_IN_W, CONV_K_H, CONV_K_W, CONV_N, CONV_OUT_C, CONV_OUT_H, CONV_OUT_W, CONV_PACK, CONV_PAD_LEFT, CONV_PAD_TOP, CONV_SCR, CONV_SCR_T, CONV_STRIDE_H, CONV_STRIDE_W, CONV_W, ACTIVATION_NONE } from './abi';

// Channels padded to 16: the SIMD paths run 16 channels (4 independent accumulators) per step.
@inline function cpad(c: i32): i32 { return (c + 15) & ~15; }

/** wt[tap][c] = w[c][tap] (multiplier 1), zero-padded to a multiple of 8 channels. */
export function dwPack(tid: i32, nt: i32): void {
  const C = pi(CONV_OUT_C), KK = pi(CONV_K_H) * pi(CONV_K_W), Cp = cpad(C);
  const w = pu(CONV_W), wt = pu(CONV_PACK);
  const t0 = split(KK, tid, nt), t1 = split(KK, tid + 1, nt);
  for (let t = t0; t < t1; t++) {
    for (let c = 0; c < Cp; c++) {
      store<f32>(wt + (<usize>(t * Cp + c) << 2), c < C ? load<f32>(w + (<usize>(c * KK + t) << 2)) : 0);
    }
  }
}

export function dwForward(tid: i32, nt: i32): void {
  const n = pi(CONV_N), inH = pi(CONV_IN_H), inW = pi(CONV_IN_W), inC = pi(CONV_IN_C), outH = pi(CONV_OUT_H), outW = pi(CONV_OUT_W), C = pi(CONV_OUT_C);
  const kH = pi(CONV_K_H), kW = pi(CONV_K_W), sH = pi(CONV_STRIDE_H), sW = pi(CONV_STRIDE_W), pT = pi(CONV_PAD_TOP), pL = pi(CONV_PAD_LEFT), dH = pi(CONV_DILATION_H), dW = pi(CONV_DILATION_W);
  const x = pu(CONV_A), w = pu(CONV_W), bias = pu(CONV_BIAS), y = pu(CONV_C), wt = pu(CONV_PACK);
  const hasB = pi(CONV_HAS_BIAS) != 0, act = pi(CONV_ACTIVATION);
  const KK = kH * kW, Cp = cpad(C), mult = C / inC;
  const tl = pu(CONV_SCR) + <usize>tid * pu(CONV_SCR_T);
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const e = tl + (<usize>(kh * kW + kw) << 3);
      store<u32>(e, <u32>(<usize>((kh * dH * inW + kw * dW) * C) << 2));
      store<u32>(e, <u32>(wt + (<usize>((kh * kW + kw) * Cp) << 2)), 4);
    }
  }
  const R = n * outH;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / outH, oh = r - b * outH;
    const kh0 = max(0, (pT - oh * sH + dH - 1) / dH), kh1 = min(kH, (inH + pT - oh * sH + dH - 1) / dH);
    for (let ow = 0; ow < outW; ow++) {
      const kw0 = max(0, (pL - ow * sW + dW - 1) / dW), kw1 = min(kW, (inW + pL - ow * sW + dW - 1) / dW);
      const yp = y + (<usize>((r * outW + ow) * C) << 2);
      if (mult == 1) {
        // Taps as (x address, weight address) pairs, then 16 channels per step over the list. Interior
        // pixels reuse one list of offsets from the window's corner; border pixels build their own.
        let list = tl, nv = KK;
        let xbase: usize = x + (<usize>(((b * inH + oh * sH - pT) * inW + ow * sW - pL) * C) << 2);
        if (kh0 != 0 || kh1 != kH || kw0 != 0 || kw1 != kW) {
          list = tl + (<usize>KK << 3);
          xbase = 0;
          nv = 0;
          for (let kh = kh0; kh < kh1; kh++) {
            const ih = oh * sH - pT + kh * dH;
            const xrow = x + (<usize>((b * inH + ih) * inW) * <usize>C << 2);
            for (let kw = kw0; kw < kw1; kw++) {
              const iw = ow * sW - pL + kw * dW;
              const e = list + (<usize>nv << 3);
              store<u32>(e, <u32>(xrow + (<usize>(iw * C) << 2)));
              store<u32>(e, <u32>(wt + (<usize>((kh * kW + kw) * Cp) << 2)), 4);
              nv++;
            }
          }
        }
        for (let c = 0; c < C; c += 16) {
          const cb = <usize>c << 2;
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          if (hasB) { a0 = v128.load(bias + cb); a1 = v128.load(bias + cb, 16); a2 = v128.load(bias + cb, 32); a3 = v128.load(bias + cb, 48); }
          for (let j = 0; j < nv; j++) {
            const e = list + (<usize>j << 3);
            const xp = xbase + <usize>load<u32>(e) + cb, wp = <usize>load<u32>(e, 4) + cb;
            a0 = madd(v128.load(xp), v128.load(wp), a0);
            a1 = madd(v128.load(xp, 16), v128.load(wp, 16), a1);
            a2 = madd(v128.load(xp, 32), v128.load(wp, 32), a2);
            a3 = madd(v128.load(xp, 48), v128.load(wp, 48), a3);
          }
          if (act != ACTIVATION_NONE) { a0 = actVec(a0, act); a1 = actVec(a1, act); a2 = actVec(a2, act); a3 = actVec(a3, act); }
          store8N(yp + cb, a0, a1, C - c);
          if (C - c > 8) store8N(yp + cb + 32, a2, a3, C - c - 8);
        }
      } else {
        for (let o = 0; o < C; o++) {
          const ci = o / mult;
          let s: f32 = hasB ? load<f32>(bias + (<usize>o << 2)) : 0;
          for (let kh = kh0; kh < kh1; kh++) {
            const ih = oh * sH - pT + kh * dH;
            for (let kw = kw0; kw < kw1; kw++) {
              const iw = ow * sW - pL + kw * dW;
              s += load<f32>(x + (<usize>(((b * inH + ih) * inW + iw) * inC + ci) << 2)) *
                load<f32>(w + (<usize>(o * KK + kh * kW + kw) << 2));
            }
          }
          store<f32>(yp + (<usize>o << 2), act != ACTIVATION_NONE && !actNeedsScalar(act) ? actScalar(s, act) : s);
        }
      }
      if (actNeedsScalar(act)) {
        for (let o = 0; o < C; o++) {
          const q = yp + (<usize>o << 2);
          store<f32>(q, actScalar(load<f32>(q), act));
        }
      }
    }
  }
}

/** dx[n, ih, iw, c] = sum over taps reaching (ih, iw) of dy * w; threads split dx rows. */
export function dwBackwardData(tid: i32, nt: i32): void {
  const n = pi(CONV_N), inH = pi(CONV_IN_H), inW = pi(CONV_IN_W), inC = pi(CONV_IN_C), outH = pi(CONV_OUT_H), outW = pi(CONV_OUT_W), C = pi(CONV_OUT_C);
  const kH = pi(CONV_K_H), kW = pi(CONV_K_W), sH = pi(CONV_STRIDE_H), sW = pi(CONV_STRIDE_W), pT = pi(CONV_PAD_TOP), pL = pi(CONV_PAD_LEFT), dH = pi(CONV_DILATION_H), dW = pi(CONV_DILATION_W);
  const dy = pu(CONV_A), w = pu(CONV_W), dx = pu(CONV_C), wt = pu(CONV_PACK);
  const KK = kH * kW, Cp = cpad(C), mult = C / inC;
  const tl = pu(CONV_SCR) + <usize>tid * pu(CONV_SCR_T);
  const R = n * inH;
  const r0 = split(R, tid, nt), r1 = split(R, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const b = r / inH, ih = r - b * inH;
    for (let iw = 0; iw < inW; iw++) {
      const xp = dx + (<usize>((r * inW + iw) * inC) << 2);
      if (mult == 1) {
        // The taps reaching (ih, iw) once per pixel, then every channel block runs over that list.
        let nv = 0;
        for (let kh = 0; kh < kH; kh++) {
          const th = ih + pT - kh * dH;
          if (th < 0) break;
          const oh = th / sH;
          if (oh * sH != th || oh >= outH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const tw = iw + pL - kw * dW;
            if (tw < 0) break;
            const ow = tw / sW;
            if (ow * sW != tw || ow >= outW) continue;
            const e = tl + (<usize>nv << 3);
            store<u32>(e, <u32>(dy + (<usize>(((b * outH + oh) * outW + ow) * C) << 2)));
            store<u32>(e, <u32>(wt + (<usize>((kh * kW + kw) * Cp) << 2)), 4);
            nv++;
          }
        }
        for (let c = 0; c < C; c += 16) {
          const cb = <usize>c << 2;
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          for (let j = 0; j < nv; j++) {
            const e = tl + (<usize>j << 3);
            const gp = <usize>load<u32>(e) + cb, wp = <usize>load<u32>(e, 4) + cb;
            a0 = madd(v128.load(gp), v128.load(wp), a0);
            a1 = madd(v128.load(gp, 16), v128.load(wp, 16), a1);
            a2 = madd(v128.load(gp, 32), v128.load(wp, 32), a2);
            a3 = madd(v128.load(gp, 48), v128.load(wp, 48), a3);
          }
          store8N(xp + cb, a0, a1, C - c);
          if (C - c > 8) store8N(xp + cb + 32, a2, a3, C - c - 8);
        }
      } else {
        for (let ci = 0; ci < inC; ci++) {
          let s: f32 = 0;
          for (let kh = 0; kh < kH; kh++) {
            const th = ih + pT - kh * dH;
            if (th < 0) break;
            const oh = th / sH;
            if (oh * sH != th || oh >= outH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const tw = iw + pL - kw * dW;
              if (tw < 0) break;
              const ow = tw / sW;
              if (ow * sW != tw || ow >= outW) continue;
              const gbase = ((b * outH + oh) * outW + ow) * C;
              for (let j = 0; j < mult; j++) {
                const o = ci * mult + j;
                s += load<f32>(dy + (<usize>(gbase + o) << 2)) * load<f32>(w + (<usize>(o * KK + kh * kW + kw) << 2));
              }
            }
          }
          store<f32>(xp + (<usize>ci << 2), s);
        }
      }
    }
  }
}

/**
 * dw[c, tap] = sum_m x[pix(m, tap), c] * dy[m, c]. Threads split channel blocks of 16; multiplier 1 runs,
 * per output row and tap, along the row with 16 channels of the tap's gradient held in 4 registers.
 */
export function dwBackwardFilter(tid: i32, nt: i32): void {
  const n = pi(CONV_N), inH = pi(CONV_IN_H), inW = pi(CONV_IN_W), inC = pi(CONV_IN_C), outH = pi(CONV_OUT_H), outW = pi(CONV_OUT_W), C = pi(CONV_OUT_C);
  const kH = pi(CONV_K_H), kW = pi(CONV_K_W), sH = pi(CONV_STRIDE_H), sW = pi(CONV_STRIDE_W), pT = pi(CONV_PAD_TOP), pL = pi(CONV_PAD_LEFT), dH = pi(CONV_DILATION_H), dW = pi(CONV_DILATION_W);
  const x = pu(CONV_A), dy = pu(CONV_C), dw = pu(CONV_W), acc = pu(CONV_DWT), db = pu(CONV_DB);
  const hasB = pi(CONV_HAS_BIAS) != 0;
  const KK = kH * kW, Cp = cpad(C), mult = C / inC;
  const nCB = Cp >> 4;
  const c0 = split(nCB, tid, nt) * 16, c1 = min(C, split(nCB, tid + 1, nt) * 16);
  if (c0 >= c1) return;
  // acc: [tap][Cp] filter gradient, then [Cp] bias gradient.
  for (let t = 0; t <= KK; t++) {
    for (let c = c0; c < c1; c += 4) v128.store(acc + (<usize>(t * Cp + c) << 2), f32x4.splat(0));
  }
  const rowB = <usize>C << 2;
  const bacc = acc + (<usize>(KK * Cp) << 2);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const grow = dy + (<usize>((b * outH + oh) * outW) * rowB);
      if (hasB) {
        for (let c = c0; c < c1; c += 4) {
          const cb = <usize>c << 2;
          let sacc = v128.load(bacc + cb);
          let gp = grow + cb;
          for (let ow = 0; ow < outW; ow++) { sacc = f32x4.add(sacc, v128.load(gp)); gp += rowB; }
          v128.store(bacc + cb, sacc);
        }
      }
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - pT + kh * dH;
        if (ih < 0 || ih >= inH) continue;
        const xrow = x + (<usize>((b * inH + ih) * inW) * <usize>inC << 2);
        for (let kw = 0; kw < kW; kw++) {
          const num0 = pL - kw * dW, num1 = inW + pL - kw * dW;
          const ow0 = num0 > 0 ? (num0 + sW - 1) / sW : 0;
          const ow1 = num1 > 0 ? min(outW, (num1 + sW - 1) / sW) : 0;
          if (ow0 >= ow1) continue;
          const ap = acc + (<usize>((kh * kW + kw) * Cp) << 2);
          const iw0 = ow0 * sW - pL + kw * dW;
          if (mult == 1) {
            const xstep = <usize>sW * rowB;
            for (let c = c0; c < c1; c += 16) {
              const cb = <usize>c << 2;
              let a0 = v128.load(ap + cb), a1 = v128.load(ap + cb, 16), a2 = v128.load(ap + cb, 32), a3 = v128.load(ap + cb, 48);
              let xp = xrow + <usize>iw0 * rowB + cb, gp = grow + <usize>ow0 * rowB + cb;
              for (let ow = ow0; ow < ow1; ow++) {
                a0 = madd(v128.load(xp), v128.load(gp), a0);
                a1 = madd(v128.load(xp, 16), v128.load(gp, 16), a1);
                a2 = madd(v128.load(xp, 32), v128.load(gp, 32), a2);
                a3 = madd(v128.load(xp, 48), v128.load(gp, 48), a3);
                xp += xstep; gp += rowB;
              }
              v128.store(ap + cb, a0); v128.store(ap + cb, a1, 16); v128.store(ap + cb, a2, 32); v128.store(ap + cb, a3, 48);
            }
          } else {
            for (let ow = ow0; ow < ow1; ow++) {
              const iw = ow * sW - pL + kw * dW;
              const xp = xrow + (<usize>(iw * inC) << 2), gp = grow + <usize>ow * rowB;
              for (let c = c0; c < c1; c++) {
                const q = ap + (<usize>c << 2);
                store<f32>(q, load<f32>(q) + load<f32>(xp + (<usize>(c / mult) << 2)) * load<f32>(gp + (<usize>c << 2)));
              }
            }
          }
        }
      }
    }
  }
  for (let c = c0; c < c1; c++) {
    for (let t = 0; t < KK; t++) store<f32>(dw + (<usize>(c * KK + t) << 2), load<f32>(acc + (<usize>(t * Cp + c) << 2)));
    if (hasB) store<f32>(db + (<usize>c << 2), load<f32>(bacc + (<usize>c << 2)));
  }
}
