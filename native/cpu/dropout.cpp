// Dropout masks on the CPU (as src/ts/backends/js/dropout.ts): core/random.ts's counter hash of
// (seed, index), the same hash32 the CUDA kernel runs (lib/numbers.h), so the mask equals the js
// reference's bit for bit at any thread count.
#include "kernel.h"
#include "lib/numbers.h"

namespace cn {
namespace cpu {
namespace dropout {

constexpr int64_t GRAIN = 1 << 15;

void mask(const Call& k) {
  const auto& r = k.rec<abi::Dropout>();
  const int64_t len = k.nonNegative(r.length, "length");
  k.require(r.rate >= 0.f && r.rate < 1.f, "rate must be in [0, 1), got " + jsNumber(r.rate));
  float* m = k.buf(0, "mask", len);
  const DropoutDraw d = dropoutDraw(r.rate);
  const uint32_t seed = (uint32_t)r.seed;
  k.pool().parallelFor(len, GRAIN, [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) m[i] = (hash32(seed, (uint32_t)i) >> 8) >= d.threshold ? d.keep : 0.f;
  });
}

}  // namespace dropout
}  // namespace cpu
}  // namespace cn
