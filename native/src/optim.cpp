// SGD (momentum, Nesterov) and AdamW updates in place (optim.cu), as torch.optim.
#include <cmath>
#include "kernel.h"

namespace cn {
namespace optim {

void sgd(const Call& k) {
  const abi::Sgd& r = k.rec<abi::Sgd>();
  const int64_t len = k.nonNegative(r.length, "length");
  float* p = k.buf(0, "param", len);
  const float* g = k.buf(1, "grad", len);
  float* v = k.buf(2, "velocity", len);
  if (!k.launch() || !len) return;
  sgdKernel(len, r.lr, r.momentum, r.weightDecay, r.nesterov != 0, p, g, v, k.s());
  k.ran(Path::OWN);
}

void adamw(const Call& k) {
  const abi::Adamw& r = k.rec<abi::Adamw>();
  const int64_t len = k.nonNegative(r.length, "length");
  k.require(r.step >= 1, "params.step must be an integer >= 1 (1-based), got " + std::to_string(r.step));
  float* p = k.buf(0, "param", len);
  const float* g = k.buf(1, "grad", len);
  float* m = k.buf(2, "m", len);
  float* v = k.buf(3, "v", len);
  if (!k.launch() || !len) return;
  const double b1 = r.beta1, b2 = r.beta2;
  adamwKernel(len, r.lr, r.beta1, r.beta2, r.eps, r.weightDecay, (float)(1.0 - std::pow(b1, r.step)),
              (float)(1.0 - std::pow(b2, r.step)), p, g, m, v, k.s());
  k.ran(Path::OWN);
}

}  // namespace optim
}  // namespace cn
