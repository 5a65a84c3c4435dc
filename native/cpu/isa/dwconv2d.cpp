// Depthwise convolution rows (multiplier 1), written once with vector extensions and compiled per ISA.
// Channels are the SIMD axis (NHWC: a pixel's channels are contiguous, the repacked filter's tap is
// contiguous); channels past the last full vector take the same loops one at a time.
#include "isa/simd.h"
#include "isa/dwconv2d.h"

namespace cn {
namespace cpu {
namespace CN_ISA {

static inline int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static inline int64_t ceilDiv(int64_t a, int64_t b) { return -floorDiv(-a, b); }

/** Taps k in [k0, k1) whose input index i0 + k*dil lies in [0, n). */
static inline void tapRange(int64_t i0, int64_t dil, int64_t kn, int64_t n, int64_t* k0, int64_t* k1) {
  int64_t a = i0 >= 0 ? 0 : ceilDiv(-i0, dil);
  int64_t b = i0 >= n ? 0 : floorDiv(n - 1 - i0, dil) + 1;
  if (b > kn) b = kn;
  if (a > b) a = b;
  *k0 = a, *k1 = b;
}

/** One output pixel at input column w0, taps [kh0,kh1) x [kw0,kw1) (bounds already clipped). */
static void pixel(const DwShape* s, const float* x, const float* wp, const float* bias, int64_t ih0, int64_t w0,
                  int64_t kh0, int64_t kh1, int64_t kw0, int64_t kw1, float* yp) {
  const int64_t C = s->C, Cv = C / VL * VL;
  for (int64_t c = 0; c < Cv; c += VL) {
    vf acc = bias ? loadu(bias + c) : vf{};
    for (int64_t kh = kh0; kh < kh1; kh++) {
      const float* xr = x + (ih0 + kh * s->dilH) * s->inW * C + c;
      const float* wr = wp + kh * s->kW * C + c;
      for (int64_t kw = kw0; kw < kw1; kw++) acc += loadu(xr + (w0 + kw * s->dilW) * C) * loadu(wr + kw * C);
    }
    storeu(yp + c, acc);
  }
  for (int64_t c = Cv; c < C; c++) {
    float acc = bias ? bias[c] : 0.f;
    for (int64_t kh = kh0; kh < kh1; kh++)
      for (int64_t kw = kw0; kw < kw1; kw++)
        acc += x[((ih0 + kh * s->dilH) * s->inW + w0 + kw * s->dilW) * C + c] * wp[(kh * s->kW + kw) * C + c];
    yp[c] = acc;
  }
}

static void forwardRow(const DwShape* s, const float* x, const float* wp, const float* bias, int64_t oh, float* y) {
  const int64_t C = s->C, Cv = C / VL * VL, sw = s->strideW, kW = s->kW;
  const int64_t ih0 = oh * s->strideH - s->padTop;
  int64_t kh0, kh1;
  tapRange(ih0, s->dilH, s->kH, s->inH, &kh0, &kh1);
  // Interior columns: every tap of the row inside the input, no bounds checks.
  int64_t owA = ceilDiv(s->padLeft, sw);
  int64_t owB = floorDiv(s->inW - 1 - (kW - 1) * s->dilW + s->padLeft, sw) + 1;
  if (owA > s->outW) owA = s->outW;
  if (owB > s->outW) owB = s->outW;
  if (owB < owA) owB = owA;
  for (int64_t ow = 0; ow < s->outW; ow++) {
    if (ow == owA) {
      // Four pixels at a time: each weight vector loaded once feeds four accumulators.
      for (; ow + 4 <= owB; ow += 4) {
        const int64_t w0 = ow * sw - s->padLeft;
        float* yp = y + ow * C;
        for (int64_t c = 0; c < Cv; c += VL) {
          vf b = bias ? loadu(bias + c) : vf{};
          vf a0 = b, a1 = b, a2 = b, a3 = b;
          for (int64_t kh = kh0; kh < kh1; kh++) {
            const float* xr = x + ((ih0 + kh * s->dilH) * s->inW + w0) * C + c;
            const float* wr = wp + kh * kW * C + c;
            for (int64_t kw = 0; kw < kW; kw++) {
              const vf wv = loadu(wr + kw * C);
              const float* xp = xr + kw * s->dilW * C;
              a0 += loadu(xp) * wv;
              a1 += loadu(xp + sw * C) * wv;
              a2 += loadu(xp + 2 * sw * C) * wv;
              a3 += loadu(xp + 3 * sw * C) * wv;
            }
          }
          storeu(yp + c, a0);
          storeu(yp + C + c, a1);
          storeu(yp + 2 * C + c, a2);
          storeu(yp + 3 * C + c, a3);
        }
        if (Cv < C)
          for (int j = 0; j < 4; j++) {
            const int64_t wj = w0 + j * sw;
            for (int64_t c = Cv; c < C; c++) {
              float acc = bias ? bias[c] : 0.f;
              for (int64_t kh = kh0; kh < kh1; kh++)
                for (int64_t kw = 0; kw < kW; kw++)
                  acc += x[((ih0 + kh * s->dilH) * s->inW + wj + kw * s->dilW) * C + c] * wp[(kh * kW + kw) * C + c];
              yp[j * C + c] = acc;
            }
          }
      }
      if (ow >= s->outW) break;
    }
    const int64_t w0 = ow * sw - s->padLeft;
    int64_t kw0, kw1;
    tapRange(w0, s->dilW, kW, s->inW, &kw0, &kw1);
    pixel(s, x, wp, bias, ih0, w0, kh0, kh1, kw0, kw1, y + ow * C);
  }
}

/** dp[c] = (first ? 0 : dp[c]) + sum of the nt gathered taps (dy at dyOff, filter at wOff). */
static void gatherTaps(int64_t C, const float* dy, const float* wp, const int64_t* dyOff, const int64_t* wOff,
                       int64_t nt, int first, float* dp) {
  const int64_t Cv = C / VL * VL;
  for (int64_t c = 0; c < Cv; c += VL) {
    vf acc = first ? vf{} : loadu(dp + c);
    for (int64_t i = 0; i < nt; i++) acc += loadu(dy + dyOff[i] + c) * loadu(wp + wOff[i] + c);
    storeu(dp + c, acc);
  }
  for (int64_t c = Cv; c < C; c++) {
    float acc = first ? 0.f : dp[c];
    for (int64_t i = 0; i < nt; i++) acc += dy[dyOff[i] + c] * wp[wOff[i] + c];
    dp[c] = acc;
  }
}

// Gather form (each dx element summed by one thread, no atomics): for input pixel (ih, iw), the taps
// (kh, kw) whose output position (ih + padTop - kh*dilH) / strideH, ... is whole and inside the output.
static void backwardDataRow(const DwShape* s, const float* dy, const float* wp, int64_t ih, float* dx) {
  enum { TMAX = 64 };  // taps gathered per batch (a batch adds to what the previous one stored)
  const int64_t C = s->C, kH = s->kH, kW = s->kW;
  int64_t dyOff[TMAX], wOff[TMAX];
  for (int64_t iw = 0; iw < s->inW; iw++) {
    float* dp = dx + iw * C;
    int first = 1;
    int64_t nt = 0;
    for (int64_t kh = 0; kh < kH; kh++) {
      const int64_t t = ih + s->padTop - kh * s->dilH;
      if (t < 0 || t % s->strideH != 0 || t / s->strideH >= s->outH) continue;
      const int64_t oh = t / s->strideH;
      for (int64_t kw = 0; kw < kW; kw++) {
        const int64_t u = iw + s->padLeft - kw * s->dilW;
        if (u < 0 || u % s->strideW != 0 || u / s->strideW >= s->outW) continue;
        dyOff[nt] = (oh * s->outW + u / s->strideW) * C;
        wOff[nt] = (kh * kW + kw) * C;
        if (++nt == TMAX) {
          gatherTaps(C, dy, wp, dyOff, wOff, nt, first, dp);
          first = 0;
          nt = 0;
        }
      }
    }
    if (nt > 0 || first) gatherTaps(C, dy, wp, dyOff, wOff, nt, first, dp);
  }
}

static void backwardFilterRow(const DwShape* s, const float* x, const float* dy, int64_t oh, float* dwp, float* dbias) {
  const int64_t C = s->C, Cv = C / VL * VL, sw = s->strideW, kW = s->kW;
  const int64_t ih0 = oh * s->strideH - s->padTop;
  const float* dyr = dy + oh * s->outW * C;
  int64_t kh0, kh1;
  tapRange(ih0, s->dilH, s->kH, s->inH, &kh0, &kh1);
  for (int64_t kh = kh0; kh < kh1; kh++) {
    const float* xr = x + (ih0 + kh * s->dilH) * s->inW * C;
    for (int64_t kw = 0; kw < kW; kw++) {
      // Output columns whose tap kw lies inside the input: one contiguous range.
      const int64_t off = kw * s->dilW - s->padLeft;  // iw = ow * sw + off
      int64_t o0 = off >= 0 ? 0 : ceilDiv(-off, sw);
      int64_t o1 = floorDiv(s->inW - 1 - off, sw) + 1;
      if (o1 > s->outW) o1 = s->outW;
      if (o0 >= o1) continue;
      float* dp = dwp + (kh * kW + kw) * C;
      const float* xp = xr + (o0 * sw + off) * C;
      const float* dp0 = dyr + o0 * C;
      const int64_t cnt = o1 - o0, xs = sw * C;
      for (int64_t c = 0; c < Cv; c += VL) {
        vf a0 = vf{}, a1 = vf{}, a2 = vf{}, a3 = vf{};
        int64_t i = 0;
        for (; i + 4 <= cnt; i += 4) {
          a0 += loadu(dp0 + i * C + c) * loadu(xp + i * xs + c);
          a1 += loadu(dp0 + (i + 1) * C + c) * loadu(xp + (i + 1) * xs + c);
          a2 += loadu(dp0 + (i + 2) * C + c) * loadu(xp + (i + 2) * xs + c);
          a3 += loadu(dp0 + (i + 3) * C + c) * loadu(xp + (i + 3) * xs + c);
        }
        for (; i < cnt; i++) a0 += loadu(dp0 + i * C + c) * loadu(xp + i * xs + c);
        storeu(dp + c, loadu(dp + c) + ((a0 + a1) + (a2 + a3)));
      }
      for (int64_t c = Cv; c < C; c++) {
        float a = 0.f;
        for (int64_t i = 0; i < cnt; i++) a += dp0[i * C + c] * xp[i * xs + c];
        dp[c] += a;
      }
    }
  }
  if (dbias) {
    for (int64_t c = 0; c < Cv; c += VL) {
      vf a0 = vf{}, a1 = vf{};
      int64_t ow = 0;
      for (; ow + 2 <= s->outW; ow += 2) a0 += loadu(dyr + ow * C + c), a1 += loadu(dyr + (ow + 1) * C + c);
      for (; ow < s->outW; ow++) a0 += loadu(dyr + ow * C + c);
      storeu(dbias + c, loadu(dbias + c) + (a0 + a1));
    }
    for (int64_t c = Cv; c < C; c++) {
      float a = 0.f;
      for (int64_t ow = 0; ow < s->outW; ow++) a += dyr[ow * C + c];
      dbias[c] += a;
    }
  }
}

const DwUk* dwUk() {
  static const DwUk uk{forwardRow, backwardDataRow, backwardFilterRow};
  return &uk;
}

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
