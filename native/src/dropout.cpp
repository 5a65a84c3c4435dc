// Dropout masks from core/random.ts's counter-based hash, bit-identical to the js reference (dropout.cu).
#include <cmath>
#include "kernel.h"
#include "lib/numbers.h"

namespace cn {
namespace dropout {

void mask(const Call& k) {
  const abi::Dropout& r = k.rec<abi::Dropout>();
  const int64_t len = k.nonNegative(r.length, "length");
  const double rate = r.rate;
  k.require(rate >= 0 && rate < 1, "params.rate must be in [0, 1), got " + std::to_string(rate));
  float* m = k.buf(0, "mask", len);
  if (!k.launch() || !len) return;
  // Same integer threshold and float-rounded scale as core/random.ts + a Float32Array store.
  const DropoutDraw d = dropoutDraw(r.rate);
  dropoutMaskKernel(len, d.threshold, d.keep, (uint32_t)r.seed, m, k.s());
  k.ran(Path::OWN);
}

}  // namespace dropout
}  // namespace cn
