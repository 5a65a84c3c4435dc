// Max pooling rows, written once with vector extensions and compiled per ISA (see isa/pool.h).
#include "isa/simd.h"
#include "isa/pool.h"

namespace cn {
namespace cpu {
namespace CN_ISA {

/** Lanes where v replaces the running max m: larger, or the first NaN (m stays NaN once it is one). */
static inline vi winsV(vf v, vf m) { return (v > m) | ((v != v) & (m == m)); }
static inline bool wins1(float v, float m) { return v > m || (v != v && m == m); }
static inline vi loadi(const int32_t* p) {
  vi v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void storei(int32_t* p, vi v) { __builtin_memcpy(p, &v, sizeof v); }

static void maxRow(const PoolShape* s, const float* x, int64_t oh, float* y, int32_t* arg) {
  const int64_t C = s->C, Cv = C / VL * VL;
  const int64_t h0 = oh * s->strideH - s->padTop;
  const int64_t hs = imax(h0, 0), he = imin(h0 + s->kH, s->inH);
  for (int64_t ow = 0; ow < s->outW; ow++) {
    const int64_t w0 = ow * s->strideW - s->padLeft;
    const int64_t ws = imax(w0, 0), we = imin(w0 + s->kW, s->inW);
    const float* first = x + (hs * s->inW + ws) * C;
    const int32_t at0 = (int32_t)((hs - h0) * s->kW + (ws - w0));
    float* yp = y + ow * C;
    int32_t* ap = arg ? arg + ow * C : nullptr;
    for (int64_t c = 0; c < Cv; c += VL) {
      vf m = loadu(first + c);
      vi a = vi{} + at0;
      for (int64_t ih = hs; ih < he; ih++)
        for (int64_t iw = (ih == hs ? ws + 1 : ws); iw < we; iw++) {
          const vf v = loadu(x + (ih * s->inW + iw) * C + c);
          const vi w = winsV(v, m);
          m = w ? v : m;
          if (ap) a = w ? (vi{} + (int32_t)((ih - h0) * s->kW + (iw - w0))) : a;
        }
      storeu(yp + c, m);
      if (ap) storei(ap + c, a);
    }
    for (int64_t c = Cv; c < C; c++) {
      float m = first[c];
      int32_t a = at0;
      for (int64_t ih = hs; ih < he; ih++)
        for (int64_t iw = (ih == hs ? ws + 1 : ws); iw < we; iw++) {
          const float v = x[(ih * s->inW + iw) * C + c];
          if (wins1(v, m)) m = v, a = (int32_t)((ih - h0) * s->kW + (iw - w0));
        }
      yp[c] = m;
      if (ap) ap[c] = a;
    }
  }
}

static void maxBackwardRow(const PoolShape* s, const float* dy, const int32_t* arg, int64_t ih, float* dx) {
  const int64_t C = s->C, Cv = C / VL * VL, orow = s->outW * C;
  for (int64_t i = 0; i < s->inW * C; i++) dx[i] = 0.f;
  // Output rows whose window covers ih: oh * strideH - padTop <= ih < oh * strideH - padTop + kH.
  const int64_t t = ih + s->padTop - s->kH + 1;
  const int64_t lo = t <= 0 ? 0 : (t + s->strideH - 1) / s->strideH;
  const int64_t hi = imin(s->outH, (ih + s->padTop) / s->strideH + 1);
  for (int64_t oh = lo; oh < hi; oh++) {
    const int64_t relH = ih - (oh * s->strideH - s->padTop);
    const float* dyr = dy + oh * orow;
    const int32_t* ar = arg + oh * orow;
    for (int64_t ow = 0; ow < s->outW; ow++) {
      const int64_t w0 = ow * s->strideW - s->padLeft;
      const int64_t ws = imax(w0, 0), we = imin(w0 + s->kW, s->inW);
      const float* g = dyr + ow * C;
      const int32_t* a = ar + ow * C;
      for (int64_t iw = ws; iw < we; iw++) {
        const int32_t at = (int32_t)(relH * s->kW + (iw - w0));
        const vi atv = vi{} + at;
        float* d = dx + iw * C;
        for (int64_t c = 0; c < Cv; c += VL) {
          const vf gv = loadu(g + c);
          storeu(d + c, loadu(d + c) + ((loadi(a + c) == atv) ? gv : vf{}));
        }
        for (int64_t c = Cv; c < C; c++) d[c] += a[c] == at ? g[c] : 0.f;
      }
    }
  }
}

const PoolUk* poolUk() {
  static const PoolUk uk{maxRow, maxBackwardRow};
  return &uk;
}

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
