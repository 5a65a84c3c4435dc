// Optimiser updates on the CPU (as src/ts/backends/js/optim.ts, torch.optim's formulas), elementwise
// in parallel chunks. The arithmetic is in double with float32 stores at the points where the
// reference stores into a Float32Array, so the result equals it to the rounding of the record's
// float32 hyperparameters.
#include <cmath>
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
  const double lr = r.lr, b1 = r.beta1, b2 = r.beta2, eps = r.eps;
  const double decay = 1 - lr * (double)r.weightDecay;
  const double stepSize = lr / (1 - std::pow(b1, r.step)), sqrtBc2 = std::sqrt(1 - std::pow(b2, r.step));
  k.pool().parallelFor(len, ELEMS_GRAIN, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; i++) {
      const double gi = g[i];
      const float pd = (float)(p[i] * decay);
      const float mi = (float)(b1 * m[i] + (1 - b1) * gi);
      const float vi = (float)(b2 * v[i] + (1 - b2) * gi * gi);
      m[i] = mi, v[i] = vi;
      p[i] = (float)((double)pd - stepSize * mi / (std::sqrt((double)vi) / sqrtBc2 + eps));
    }
  });
}

}  // namespace optim
}  // namespace cpu
}  // namespace cn
