// Optimiser updates on the CPU (as src/ts/backends/js/optim.ts, torch.optim's formulas), elementwise
// in parallel chunks. SGD is in double with float32 stores where the reference stores into a
// Float32Array (it equals the reference to the rounding of the record's float32 hyperparameters).
#include <cmath>
#ifdef __SSE2__
#include <immintrin.h>
#endif
#include "kernel.h"

namespace cn {
namespace cpu {
namespace optim {

constexpr int64_t ELEMS_GRAIN = 1 << 14;

void sgd(const Call& k) {
  const auto& r = k.rec<abi::Sgd>();
  const int64_t len = k.nonNegative(r.length, "length");
  k.finite(r.lr, "lr"), k.finite(r.momentum, "momentum"), k.finite(r.weightDecay, "weightDecay");
  float* p = k.buf(0, "param", len);
  const float* g = k.buf(1, "grad", len);
  float* v = k.buf(2, "velocity", len);
  const double lr = r.lr, mom = r.momentum, wd = r.weightDecay;
  const bool nesterov = r.nesterov != 0;
  k.pool().parallelFor(len, ELEMS_GRAIN, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; i++) {
      const double gi = (double)g[i] + wd * p[i];
      const double vi = mom * v[i] + gi;  // a zero velocity makes torch's first step (buffer = g) the same formula
      v[i] = (float)vi;
      p[i] = (float)((double)p[i] - lr * (nesterov ? gi + mom * vi : vi));
    }
  });
}

// AdamW in float32, as torch computes it for float32 parameters (the reference's double arithmetic
// differs by a few ulps). SSE2 (the x86-64 baseline) does 4 elements per step: the compiler will not
// vectorise std::sqrt (errno); sqrtps and sqrtss round alike, so the vector body and the scalar tail
// give the same bits and the result does not depend on how the range was split.
struct AdamwK {
  float b1, c1, b2, c2, decay, step, sqrtBc2, eps;
  void scalar(float* p, const float* g, float* m, float* v, int64_t i) const {
    const float gi = g[i];
    const float mi = b1 * m[i] + c1 * gi, vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi, v[i] = vi;
    p[i] = p[i] * decay - step * (mi / (std::sqrt(vi) / sqrtBc2 + eps));
  }
  void range(float* p, const float* g, float* m, float* v, int64_t i, int64_t e) const {
#ifdef __SSE2__
    const __m128 B1 = _mm_set1_ps(b1), C1 = _mm_set1_ps(c1), B2 = _mm_set1_ps(b2), C2 = _mm_set1_ps(c2);
    const __m128 D = _mm_set1_ps(decay), S = _mm_set1_ps(step), Q = _mm_set1_ps(sqrtBc2), E = _mm_set1_ps(eps);
    for (; i + 4 <= e; i += 4) {
      const __m128 gi = _mm_loadu_ps(g + i);
      const __m128 mi = _mm_add_ps(_mm_mul_ps(B1, _mm_loadu_ps(m + i)), _mm_mul_ps(C1, gi));
      const __m128 vi = _mm_add_ps(_mm_mul_ps(B2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(C2, gi), gi));
      _mm_storeu_ps(m + i, mi);
      _mm_storeu_ps(v + i, vi);
      const __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), Q), E);
      _mm_storeu_ps(p + i, _mm_sub_ps(_mm_mul_ps(_mm_loadu_ps(p + i), D), _mm_mul_ps(S, _mm_div_ps(mi, denom))));
    }
#endif
    for (; i < e; i++) scalar(p, g, m, v, i);
  }
};

void adamw(const Call& k) {
  const auto& r = k.rec<abi::Adamw>();
  const int64_t len = k.nonNegative(r.length, "length");
  k.require(r.step >= 1, "params.step must be an integer >= 1 (1-based), got " + std::to_string(r.step));
  k.finite(r.lr, "lr"), k.finite(r.beta1, "beta1"), k.finite(r.beta2, "beta2"), k.finite(r.eps, "eps");
  k.finite(r.weightDecay, "weightDecay");
  float* p = k.buf(0, "param", len);
  const float* g = k.buf(1, "grad", len);
  float* m = k.buf(2, "m", len);
  float* v = k.buf(3, "v", len);
  // The step's scalars in double, as the reference computes them, then float32 as torch uses them.
  const double lr = r.lr, b1 = r.beta1, b2 = r.beta2;
  const AdamwK K{(float)b1, (float)(1 - b1), (float)b2, (float)(1 - b2), (float)(1 - lr * (double)r.weightDecay),
                 (float)(lr / (1 - std::pow(b1, r.step))), (float)std::sqrt(1 - std::pow(b2, r.step)), r.eps};
  k.pool().parallelFor(len, ELEMS_GRAIN, [&](int64_t b, int64_t e, int) { K.range(p, g, m, v, b, e); });
}

}  // namespace optim
}  // namespace cpu
}  // namespace cn
