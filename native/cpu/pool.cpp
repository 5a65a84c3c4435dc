// Max / average pooling with torch's semantics (as src/ts/backends/js/pool.ts) and torch's adaptive
// average pooling, NHWC, parallel over rows. Max pool's rows are micro-kernels per ISA (isa/pool.cpp:
// its NaN-aware select is beyond the compiler's vectoriser); the average pools' inner loops over
// channels are vectorised by the compiler here.
// The backward passes gather: each input row sums the outputs whose windows cover it, in the (oh, ow)
// order the reference adds them, so no two threads write one element and no atomics are needed. Max
// pool's backward first records each output's argmax (window-relative, first maximum in row-major
// order, NaN winning as in torch), so gradient routing agrees with the forward's pick exactly.
#include <algorithm>
#include <vector>
#include "kernel.h"

namespace cn {
namespace cpu {
namespace pool {

namespace {

constexpr int64_t WORK_GRAIN = 1 << 15;  // element operations per parallel chunk, at least

int64_t inLen(const PoolP& p) { return (int64_t)p.n * p.inH * p.inW * p.c; }
int64_t outLen(const PoolP& p) { return (int64_t)p.n * p.outH * p.outW * p.c; }
int64_t grain(int64_t workPerItem) { return std::max<int64_t>(1, WORK_GRAIN / std::max<int64_t>(1, workPerItem)); }

/** Output rows oh whose window [oh*s - pad, oh*s - pad + k) covers input row i: [lo, hi). */
void covering(int64_t i, int64_t k, int64_t s, int64_t pad, int64_t out, int64_t* lo, int64_t* hi) {
  const int64_t t = i + pad - k + 1;
  int64_t a = t <= 0 ? 0 : (t + s - 1) / s;
  int64_t b = std::min(out, (i + pad) / s + 1);
  *lo = a, *hi = std::max(a, b);
}

/** The js reference's divisor of window (oh, ow). */
int64_t divisor(const PoolP& p, int64_t oh, int64_t ow) {
  const int64_t h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
  if (p.countIncludePad) {
    const int64_t he = std::min<int64_t>(h0 + p.kH, p.inH + p.padBottom), we = std::min<int64_t>(w0 + p.kW, p.inW + p.padRight);
    return (he - h0) * (we - w0);
  }
  const int64_t hs = std::max<int64_t>(h0, 0), he = std::min<int64_t>(h0 + p.kH, p.inH);
  const int64_t ws = std::max<int64_t>(w0, 0), we = std::min<int64_t>(w0 + p.kW, p.inW);
  return (he - hs) * (we - ws);
}

PoolShape shape(const PoolP& p) {
  return PoolShape{p.inH, p.inW, p.c, p.outH, p.outW, p.kH, p.kW, p.strideH, p.strideW, p.padTop, p.padLeft};
}

}  // namespace

void max(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* x = k.buf(0, "x", inLen(p));
  float* y = k.buf(1, "y", outLen(p));
  const PoolShape s = shape(p);
  const PoolUk* uk = k.isa().pool;
  const int64_t img = (int64_t)p.inH * p.inW * p.c, orow = (int64_t)p.outW * p.c;
  k.pool().parallelFor((int64_t)p.n * p.outH, grain(orow * p.kH * p.kW), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; r++) uk->maxRow(&s, x + (r / p.outH) * img, r % p.outH, y + r * orow, nullptr);
  });
}

void maxBackward(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* x = k.buf(0, "x", inLen(p));
  const float* dy = k.buf(1, "dy", outLen(p));
  float* dx = k.buf(2, "dx", inLen(p));
  const PoolShape s = shape(p);
  const PoolUk* uk = k.isa().pool;
  const int64_t c = p.c, img = (int64_t)p.inH * p.inW * c, orow = (int64_t)p.outW * c;
  // Pass 1: each output's argmax (the forward's pick; the maxima themselves go to a row of scratch).
  Scratch argS(k.c, (size_t)outLen(p), k.op.c_str());
  int32_t* arg = reinterpret_cast<int32_t*>(argS.get());
  k.pool().parallelFor((int64_t)p.n * p.outH, grain(orow * p.kH * p.kW), [&](int64_t b, int64_t e, int worker) {
    float* tmp = k.c.workspace(worker, (size_t)orow);
    for (int64_t r = b; r < e; r++) uk->maxRow(&s, x + (r / p.outH) * img, r % p.outH, tmp, arg + r * orow);
  });
  // Pass 2: each input row gathers the dy of the outputs whose argmax it holds, in (oh, ow) order.
  const int64_t oimg = (int64_t)p.outH * orow;
  k.pool().parallelFor((int64_t)p.n * p.inH, grain(orow * p.kW), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; r++) {
      const int64_t n = r / p.inH;
      uk->maxBackwardRow(&s, dy + n * oimg, arg + n * oimg, r % p.inH, dx + r * p.inW * c);
    }
  });
}

void avg(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* x = k.buf(0, "x", inLen(p));
  float* y = k.buf(1, "y", outLen(p));
  const int64_t c = p.c, img = (int64_t)p.inH * p.inW * c;
  k.pool().parallelFor((int64_t)p.n * p.outH, grain((int64_t)p.outW * p.kH * p.kW * c), [&](int64_t s, int64_t e, int) {
    for (int64_t r = s; r < e; r++) {
      const int64_t oh = r % p.outH, h0 = oh * p.strideH - p.padTop;
      const int64_t hs = std::max<int64_t>(h0, 0), he = std::min<int64_t>(h0 + p.kH, p.inH);
      const float* xi = x + (r / p.outH) * img;
      for (int64_t ow = 0; ow < p.outW; ow++) {
        const int64_t w0 = ow * p.strideW - p.padLeft;
        const int64_t ws = std::max<int64_t>(w0, 0), we = std::min<int64_t>(w0 + p.kW, p.inW);
        float* yp = y + (r * p.outW + ow) * c;
        std::fill(yp, yp + c, 0.f);
        for (int64_t ih = hs; ih < he; ih++)
          for (int64_t iw = ws; iw < we; iw++) {
            const float* xp = xi + (ih * p.inW + iw) * c;
            for (int64_t j = 0; j < c; j++) yp[j] += xp[j];
          }
        const float div = (float)divisor(p, oh, ow);
        for (int64_t j = 0; j < c; j++) yp[j] /= div;
      }
    }
  });
}

void avgBackward(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* dy = k.buf(0, "dy", outLen(p));
  float* dx = k.buf(1, "dx", inLen(p));
  const int64_t c = p.c, orow = (int64_t)p.outW * c;
  k.pool().parallelFor((int64_t)p.n * p.inH, grain(orow * p.kW), [&](int64_t s, int64_t e, int) {
    for (int64_t r = s; r < e; r++) {
      const int64_t b = r / p.inH, ih = r % p.inH;
      float* dr = dx + r * p.inW * c;
      std::fill(dr, dr + p.inW * c, 0.f);
      int64_t lo, hi;
      covering(ih, p.kH, p.strideH, p.padTop, p.outH, &lo, &hi);
      for (int64_t oh = lo; oh < hi; oh++) {
        const float* dyr = dy + (b * p.outH + oh) * orow;
        for (int64_t ow = 0; ow < p.outW; ow++) {
          const int64_t w0 = ow * p.strideW - p.padLeft;
          const int64_t ws = std::max<int64_t>(w0, 0), we = std::min<int64_t>(w0 + p.kW, p.inW);
          const float div = (float)divisor(p, oh, ow);
          const float* g = dyr + ow * c;
          for (int64_t iw = ws; iw < we; iw++) {
            float* d = dr + iw * c;
            for (int64_t j = 0; j < c; j++) d[j] += g[j] / div;
          }
        }
      }
    }
  });
}

namespace {
/** torch's adaptive windows [floor(o*in/out), ceil((o+1)*in/out)) for o < out. */
std::vector<int64_t> windows(int64_t in, int64_t out) {
  std::vector<int64_t> w((size_t)(2 * out));
  for (int64_t o = 0; o < out; o++) {
    w[(size_t)(2 * o)] = o * in / out;
    w[(size_t)(2 * o + 1)] = ((o + 1) * in + out - 1) / out;
  }
  return w;
}
}  // namespace

void adaptiveAvg(const Call& k) {
  const AdaptP& p = checkAdaptivePool(k.op, k.rec<AdaptP>());
  const float* x = k.buf(0, "x", (int64_t)p.n * p.inH * p.inW * p.c);
  float* y = k.buf(1, "y", (int64_t)p.n * p.outH * p.outW * p.c);
  const std::vector<int64_t> wh = windows(p.inH, p.outH), ww = windows(p.inW, p.outW);
  const int64_t c = p.c, img = (int64_t)p.inH * p.inW * c;
  const int64_t perRow = ((int64_t)p.inH / p.outH + 1) * ((int64_t)p.inW + p.outW) * c;
  k.pool().parallelFor((int64_t)p.n * p.outH, grain(perRow), [&](int64_t s, int64_t e, int) {
    for (int64_t r = s; r < e; r++) {
      const int64_t oh = r % p.outH, h0 = wh[(size_t)(2 * oh)], h1 = wh[(size_t)(2 * oh + 1)];
      const float* xi = x + (r / p.outH) * img;
      for (int64_t ow = 0; ow < p.outW; ow++) {
        const int64_t w0 = ww[(size_t)(2 * ow)], w1 = ww[(size_t)(2 * ow + 1)];
        float* yp = y + (r * p.outW + ow) * c;
        std::fill(yp, yp + c, 0.f);
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) {
            const float* xp = xi + (ih * p.inW + iw) * c;
            for (int64_t j = 0; j < c; j++) yp[j] += xp[j];
          }
        const float count = (float)((h1 - h0) * (w1 - w0));
        for (int64_t j = 0; j < c; j++) yp[j] /= count;
      }
    }
  });
}

void adaptiveAvgBackward(const Call& k) {
  const AdaptP& p = checkAdaptivePool(k.op, k.rec<AdaptP>());
  const float* dy = k.buf(0, "dy", (int64_t)p.n * p.outH * p.outW * p.c);
  float* dx = k.buf(1, "dx", (int64_t)p.n * p.inH * p.inW * p.c);
  const std::vector<int64_t> wh = windows(p.inH, p.outH), ww = windows(p.inW, p.outW);
  const int64_t c = p.c, orow = (int64_t)p.outW * c;
  const int64_t perRow = ((int64_t)p.outH / p.inH + 2) * ((int64_t)p.inW + p.outW) * c;
  k.pool().parallelFor((int64_t)p.n * p.inH, grain(perRow), [&](int64_t s, int64_t e, int) {
    for (int64_t r = s; r < e; r++) {
      const int64_t b = r / p.inH, ih = r % p.inH;
      float* dr = dx + r * p.inW * c;
      std::fill(dr, dr + p.inW * c, 0.f);
      for (int64_t oh = 0; oh < p.outH; oh++) {
        const int64_t h0 = wh[(size_t)(2 * oh)], h1 = wh[(size_t)(2 * oh + 1)];
        if (ih < h0 || ih >= h1) continue;
        const float* dyr = dy + (b * p.outH + oh) * orow;
        for (int64_t ow = 0; ow < p.outW; ow++) {
          const int64_t w0 = ww[(size_t)(2 * ow)], w1 = ww[(size_t)(2 * ow + 1)];
          const float count = (float)((h1 - h0) * (w1 - w0));
          const float* g = dyr + ow * c;
          for (int64_t iw = w0; iw < w1; iw++) {
            float* d = dr + iw * c;
            for (int64_t j = 0; j < c; j++) d[j] += g[j] / count;
          }
        }
      }
    }
  });
}

}  // namespace pool
}  // namespace cpu
}  // namespace cn
