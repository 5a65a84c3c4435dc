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

// The channel loops are written once for a vector of channels (V = vf, VL of them) and for one
// channel (V = float, the remainder past the last full vector).
template <typename V>
static inline V ld(const float* p);
template <>
inline vf ld<vf>(const float* p) { return loadu(p); }
template <>
inline float ld<float>(const float* p) { return *p; }
static inline void st(float* p, vf v) { storeu(p, v); }
static inline void st(float* p, float v) { *p = v; }

enum { RANGES = 512 };  // columns (or taps) whose tap ranges a row precomputes (integer divisions)
// A channel tile is one 64-byte cache line (NV vectors): a row pass over one tile uses whole lines.
constexpr int NV = CN_VEC_BYTES >= 64 ? 1 : 64 / CN_VEC_BYTES;

/** Forward, channels [c, c + N * width of V) of output columns [o0, o1) of one row. Interior columns
 *  [owA, owB) (all taps inside the input) run PX pixels at a time without bounds checks. */
template <typename V, int N>
static void forwardCols(const DwShape* s, const float* x, const float* wp, const float* bias, int64_t ih0,
                        int64_t kh0, int64_t kh1, int64_t owA, int64_t owB, const int32_t* kwr, int64_t o0,
                        int64_t o1, int64_t c, float* y) {
  constexpr int W = sizeof(V) / 4, PX = N >= 4 ? 2 : 4;
  const int64_t C = s->C, sw = s->strideW, kW = s->kW, dW = s->dilW * C, sC = sw * C;
  V b[N];
#pragma GCC unroll 4
  for (int v = 0; v < N; v++) b[v] = bias ? ld<V>(bias + c + v * W) : V{};
  for (int64_t ow = o0; ow < o1;) {
    if (ow >= owA && ow + PX <= owB && ow + PX <= o1) {
      {
        const int64_t w0 = ow * sw - s->padLeft;
        V a[PX][N];
#pragma GCC unroll 4
        for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
          for (int v = 0; v < N; v++) a[j][v] = b[v];
        for (int64_t kh = kh0; kh < kh1; kh++) {
          const float* xp = x + ((ih0 + kh * s->dilH) * s->inW + w0) * C + c;
          const float* wr = wp + kh * kW * C + c;
          for (int64_t kw = 0; kw < kW; kw++, xp += dW, wr += C) {
            V wv[N];
#pragma GCC unroll 4
            for (int v = 0; v < N; v++) wv[v] = ld<V>(wr + v * W);
#pragma GCC unroll 4
            for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
              for (int v = 0; v < N; v++) a[j][v] += ld<V>(xp + j * sC + v * W) * wv[v];
          }
        }
        float* yp = y + ow * C + c;
#pragma GCC unroll 4
        for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
          for (int v = 0; v < N; v++) st(yp + j * C + v * W, a[j][v]);
      }
      ow += PX;
      continue;
    }
    const int64_t w0 = ow * sw - s->padLeft;
    int64_t kw0, kw1;
    if (ow < RANGES) kw0 = kwr[2 * ow], kw1 = kwr[2 * ow + 1];
    else tapRange(w0, s->dilW, kW, s->inW, &kw0, &kw1);
    V acc[N];
#pragma GCC unroll 4
    for (int v = 0; v < N; v++) acc[v] = b[v];
    for (int64_t kh = kh0; kh < kh1; kh++) {
      const float* xr = x + ((ih0 + kh * s->dilH) * s->inW + w0) * C + c;
      const float* wr = wp + kh * kW * C + c;
      for (int64_t kw = kw0; kw < kw1; kw++)
#pragma GCC unroll 4
        for (int v = 0; v < N; v++) acc[v] += ld<V>(xr + kw * dW + v * W) * ld<V>(wr + kw * C + v * W);
    }
#pragma GCC unroll 4
    for (int v = 0; v < N; v++) st(y + ow * C + c + v * W, acc[v]);
    ow++;
  }
}

static void forwardRow(const DwShape* s, const float* x, const float* wp, const float* bias, int64_t oh, float* y) {
  const int64_t C = s->C, Cv = C / VL * VL, sw = s->strideW;
  const int64_t ih0 = oh * s->strideH - s->padTop;
  int64_t kh0, kh1;
  tapRange(ih0, s->dilH, s->kH, s->inH, &kh0, &kh1);
  int64_t owA = ceilDiv(s->padLeft, sw);
  int64_t owB = floorDiv(s->inW - 1 - (s->kW - 1) * s->dilW + s->padLeft, sw) + 1;
  if (owA > s->outW) owA = s->outW;
  if (owB > s->outW) owB = s->outW;
  if (owB < owA) owB = owA;
  int32_t kwr[2 * RANGES];  // border columns' tap ranges, once per row rather than per channel block
  for (int64_t ow = 0; ow < s->outW && ow < RANGES; ow++) {
    int64_t kw0 = 0, kw1 = s->kW;  // interior columns: the whole filter row
    if (ow < owA || ow >= owB) tapRange(ow * sw - s->padLeft, s->dilW, s->kW, s->inW, &kw0, &kw1);
    kwr[2 * ow] = (int32_t)kw0, kwr[2 * ow + 1] = (int32_t)kw1;
  }
  // A whole row per channel tile (the tile's input lines stay in L1 across the row's pixels), and the
  // input rows the next output row adds (strideH of them, contiguous in memory) prefetched in memory
  // order, each tile its share. (Measured, AVX-512, one thread, batch 8, against wasm in the same run:
  // four-pixel blocks over all channels 0.79x (56x56x144) / 0.87x (112x112x96 stride 2); each tile
  // prefetching its own lines 1.46x / 0.88x; as here 1.46x / 1.02x.)
  const int64_t pf0 = ih0 + (s->kH - 1) * s->dilH + 1, pf1 = pf0 + s->strideH < s->inH ? pf0 + s->strideH : s->inH;
  const int64_t p0 = (pf0 < 0 ? 0 : pf0) * s->inW * C, plen = pf1 > pf0 ? (pf1 - (pf0 < 0 ? 0 : pf0)) * s->inW * C : 0;
  const int64_t tiles = C / (NV * VL) > 0 ? C / (NV * VL) : 1;
  int64_t c = 0;
  for (int64_t t = 0; c + NV * VL <= C; c += NV * VL, t++) {
    for (int64_t q = p0 + plen * t / tiles; q < p0 + plen * (t + 1) / tiles; q += 16) __builtin_prefetch(x + q);
    forwardCols<vf, NV>(s, x, wp, bias, ih0, kh0, kh1, owA, owB, kwr, 0, s->outW, c, y);
  }
  for (; c < Cv; c += VL) forwardCols<vf, 1>(s, x, wp, bias, ih0, kh0, kh1, owA, owB, kwr, 0, s->outW, c, y);
  for (; c < C; c++) forwardCols<float, 1>(s, x, wp, bias, ih0, kh0, kh1, owA, owB, kwr, 0, s->outW, c, y);
}

/** dp[c] = (first ? 0 : dp[c]) + sum of the nt gathered taps (dy at dyOff, filter at wOff). */
static void gatherTaps(int64_t C, const float* dy, const float* wp, const int64_t* dyOff, const int64_t* wOff,
                       int64_t nt, int first, float* dp) {
  const int64_t Cv = C / VL * VL;
  int64_t c = 0;
  for (; c + NV * VL <= C; c += NV * VL) {  // a cache line of channels: NV independent chains
    vf acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[v] = first ? vf{} : loadu(dp + c + v * VL);
    for (int64_t i = 0; i < nt; i++) {
      const float *g = dy + dyOff[i] + c, *w = wp + wOff[i] + c;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[v] += loadu(g + v * VL) * loadu(w + v * VL);
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) storeu(dp + c + v * VL, acc[v]);
  }
  for (; c < Cv; c += VL) {
    vf acc = first ? vf{} : loadu(dp + c);
    for (int64_t i = 0; i < nt; i++) acc += loadu(dy + dyOff[i] + c) * loadu(wp + wOff[i] + c);
    storeu(dp + c, acc);
  }
  for (; c < C; c++) {
    float acc = first ? 0.f : dp[c];
    for (int64_t i = 0; i < nt; i++) acc += dy[dyOff[i] + c] * wp[wOff[i] + c];
    dp[c] = acc;
  }
}

// Gather form (each dx element summed by one thread, no atomics): for input pixel (ih, iw), the taps
// (kh, kw) whose output position (ih + padTop - kh*dilH) / strideH, ... is whole and inside the output.
/** Whether u = q * st for a whole q >= 0 below lim (strides 1 and 2 without a division). */
static inline int whole(int64_t u, int64_t st, int64_t lim, int64_t* q) {
  if (u < 0) return 0;
  if (st == 1) *q = u;
  else if (st == 2) {
    if (u & 1) return 0;
    *q = u >> 1;
  } else {
    if (u % st != 0) return 0;
    *q = u / st;
  }
  return *q < lim;
}

static void backwardDataRow(const DwShape* s, const float* dy, const float* wp, int64_t ih, float* dx) {
  enum { TMAX = 64 };  // taps gathered per batch (a batch adds to what the previous one stored)
  const int64_t C = s->C, kH = s->kH, kW = s->kW;
  int64_t dyOff[TMAX], wOff[TMAX];
  // Filter rows that reach input row ih, with their dy rows: once per row (kH <= TMAX; else per pixel).
  int64_t rowKh[TMAX], rowOh[TMAX], nr = 0;
  if (kH <= TMAX)
    for (int64_t kh = 0; kh < kH; kh++) {
      int64_t oh;
      if (whole(ih + s->padTop - kh * s->dilH, s->strideH, s->outH, &oh)) rowKh[nr] = kh, rowOh[nr] = oh, nr++;
    }
  // The dy row the next input row adds (if any), prefetched a pixel's share at a time.
  int64_t on;
  const float* dyn = whole(ih + 1 + s->padTop, s->strideH, s->outH, &on) ? dy + on * s->outW * C : nullptr;
  for (int64_t iw = 0; iw < s->inW; iw++) {
    float* dp = dx + iw * C;
    if (dyn && iw < s->outW)
      for (int64_t c = 0; c < C; c += 16) __builtin_prefetch(dyn + iw * C + c);
    int first = 1;
    int64_t nt = 0;
    const int64_t nk = kH <= TMAX ? nr : kH;
    for (int64_t i = 0; i < nk; i++) {
      int64_t kh = i, oh;
      if (kH <= TMAX) kh = rowKh[i], oh = rowOh[i];
      else if (!whole(ih + s->padTop - kh * s->dilH, s->strideH, s->outH, &oh)) continue;
      for (int64_t kw = 0; kw < kW; kw++) {
        int64_t ow;
        if (!whole(iw + s->padLeft - kw * s->dilW, s->strideW, s->outW, &ow)) continue;
        dyOff[nt] = (oh * s->outW + ow) * C;
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

/** Output columns [o0, o1) whose tap kw lies inside the input (iw = ow * strideW + kw * dilW - padLeft). */
static inline void colRange(const DwShape* s, int64_t kw, int64_t* o0, int64_t* o1) {
  const int64_t off = kw * s->dilW - s->padLeft, sw = s->strideW;
  int64_t a = off >= 0 ? 0 : ceilDiv(-off, sw);
  int64_t b = floorDiv(s->inW - 1 - off, sw) + 1;
  if (b > s->outW) b = s->outW;
  *o0 = a, *o1 = b;
}

/** Filter gradient of channels [c, c + N * width of V) over output rows [r0, r1) of the batch (row r's
 *  first input row ih0s[r - r0], its image at x + xoffs[r - r0]): per tap, the accumulators run over
 *  every row of the range (one read-modify-write of dwp per tap and range, not per row); within a row,
 *  the output columns whose tap lies inside the input form one range, summed in 4 / N chains. */
template <typename V, int N>
static void backwardFilterCols(const DwShape* s, const float* x, const float* dy, int64_t r0, int64_t r1,
                               const int64_t* ih0s, const int64_t* xoffs, const int32_t* owr, int64_t c, float* dwp,
                               float* dbias) {
  constexpr int W = sizeof(V) / 4, PX = N >= 4 ? 1 : 4 / N;
  const int64_t C = s->C, sw = s->strideW, kW = s->kW, xs = sw * C, yRow = s->outW * C;
  for (int64_t kh = 0; kh < s->kH; kh++) {
    for (int64_t kw = 0; kw < kW; kw++) {
      const int64_t off = kw * s->dilW - s->padLeft;  // iw = ow * sw + off
      int64_t o0, o1;
      if (kw < RANGES) o0 = owr[2 * kw], o1 = owr[2 * kw + 1];
      else colRange(s, kw, &o0, &o1);
      if (o0 >= o1) continue;
      const int64_t cnt = o1 - o0;
      V a[PX][N];
#pragma GCC unroll 4
      for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
        for (int v = 0; v < N; v++) a[j][v] = V{};
      for (int64_t r = r0; r < r1; r++) {
        const int64_t ih = ih0s[r - r0] + kh * s->dilH;
        if (ih < 0 || ih >= s->inH) continue;
        const float* xp = x + xoffs[r - r0] + (ih * s->inW + o0 * sw + off) * C + c;
        const float* dp = dy + r * yRow + o0 * C + c;
        int64_t i = 0;
        for (; i + PX <= cnt; i += PX, xp += PX * xs, dp += PX * C)
#pragma GCC unroll 4
          for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
            for (int v = 0; v < N; v++) a[j][v] += ld<V>(dp + j * C + v * W) * ld<V>(xp + j * xs + v * W);
        // The last cnt % PX columns go to different chains (short rows are mostly remainder).
#pragma GCC unroll 4
        for (int j = 0; j < PX - 1; j++)
          if (i + j < cnt)
#pragma GCC unroll 4
            for (int v = 0; v < N; v++) a[j][v] += ld<V>(dp + j * C + v * W) * ld<V>(xp + j * xs + v * W);
      }
      float* o = dwp + (kh * kW + kw) * C + c;
#pragma GCC unroll 4
      for (int v = 0; v < N; v++) {
        V t = a[0][v];
#pragma GCC unroll 4
        for (int j = 1; j < PX; j++) t += a[j][v];
        st(o + v * W, ld<V>(o + v * W) + t);
      }
    }
  }
  if (dbias) {
#pragma GCC unroll 4
    for (int v = 0; v < N; v++) {
      V a0 = V{}, a1 = V{};
      const float* dp = dy + r0 * yRow + c + v * W;
      const int64_t cnt = (r1 - r0) * s->outW;
      int64_t i = 0;
      for (; i + 2 <= cnt; i += 2) a0 += ld<V>(dp + i * C), a1 += ld<V>(dp + (i + 1) * C);
      for (; i < cnt; i++) a0 += ld<V>(dp + i * C);
      st(dbias + c + v * W, ld<V>(dbias + c + v * W) + (a0 + a1));
    }
  }
}

static void backwardFilterRows(const DwShape* s, const float* x, const float* dy, int64_t r0, int64_t r1, int64_t c0,
                               int64_t c1, float* dwp, float* dbias) {
  int32_t owr[2 * RANGES];  // each tap column's output range, once per call rather than per channel tile
  for (int64_t kw = 0; kw < s->kW && kw < RANGES; kw++) {
    int64_t o0, o1;
    colRange(s, kw, &o0, &o1);
    owr[2 * kw] = (int32_t)o0, owr[2 * kw + 1] = (int32_t)o1;
  }
  // Rows in groups of about 256 input lines (16 KiB) of a channel tile, which stay in L1 while every
  // tap passes over them; each row's image and first input row computed once per group (divisions).
  // (Prefetching the next group's x and / or dy, as the forward does, measured no gain at batch 8
  // and a loss at batch 1: not done.)
  enum { GMAX = 256 };
  int64_t group = 256 / (s->inW * (s->strideH < s->kH ? s->strideH : s->kH));
  group = group < 1 ? 1 : group > GMAX ? GMAX : group;
  int64_t ih0s[GMAX], xoffs[GMAX];
  for (int64_t g0 = r0; g0 < r1; g0 += group) {
    const int64_t g1 = g0 + group < r1 ? g0 + group : r1;
    for (int64_t r = g0; r < g1; r++) {
      const int64_t img = r / s->outH;
      ih0s[r - g0] = (r - img * s->outH) * s->strideH - s->padTop;
      xoffs[r - g0] = img * s->inH * s->inW * s->C;
    }
    int64_t c = c0;
    for (; c + NV * VL <= c1; c += NV * VL)
      backwardFilterCols<vf, NV>(s, x, dy, g0, g1, ih0s, xoffs, owr, c, dwp, dbias);
    for (; c + VL <= c1; c += VL) backwardFilterCols<vf, 1>(s, x, dy, g0, g1, ih0s, xoffs, owr, c, dwp, dbias);
    for (; c < c1; c++) backwardFilterCols<float, 1>(s, x, dy, g0, g1, ih0s, xoffs, owr, c, dwp, dbias);
  }
}

const DwUk* dwUk() {
  static const DwUk uk{forwardRow, backwardDataRow, backwardFilterRows};
  return &uk;
}

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
