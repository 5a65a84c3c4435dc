// Dropout masks on the CPU (as src/ts/backends/js/dropout.ts): core/random.ts's counter hash of
// (seed, index), the same hash32 the CUDA kernel runs (lib/numbers.h), so the mask equals the js
// reference's bit for bit at any thread count.
#include "kernel.h"
#include "lib/numbers.h"

namespace cn {
namespace cpu {
namespace dropout {

constexpr int64_t GRAIN = 1 << 15;

// hash32 of lib/numbers.h on 4 indices at once (GCC/Clang vector extensions: SSE2 on x86-64, NEON on
// AArch64); the same uint32 operations in the same order, so the same bits (the conformance tests and
// test/native/cpu.test.ts compare every element with the js reference).
typedef uint32_t u4 __attribute__((vector_size(16)));
typedef float f4 __attribute__((vector_size(16)));

static inline u4 hash32x4(uint32_t seed, u4 index) {
  u4 h = index * 0x9e3779b1u + seed * 0x85ebca77u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static void fill(float* m, int64_t s, int64_t e, uint32_t seed, const DropoutDraw& d) {
  int64_t i = s;
  const u4 step = {0, 1, 2, 3};
  uint32_t keepBits;
  __builtin_memcpy(&keepBits, &d.keep, 4);
  for (; i + 4 <= e; i += 4) {
    const u4 kept = (u4)((hash32x4(seed, step + (uint32_t)i) >> 8) >= d.threshold);  // all ones or zero per lane
    const u4 bits = kept & keepBits;
    f4 out;
    __builtin_memcpy(&out, &bits, 16);
    __builtin_memcpy(m + i, &out, 16);
  }
  for (; i < e; i++) m[i] = (hash32(seed, (uint32_t)i) >> 8) >= d.threshold ? d.keep : 0.f;
}

void mask(const Call& k) {
  const auto& r = k.rec<abi::Dropout>();
  const int64_t len = k.nonNegative(r.length, "length");
  k.require(r.rate >= 0.f && r.rate < 1.f, "rate must be in [0, 1), got " + jsNumber(r.rate));
  float* m = k.buf(0, "mask", len);
  const DropoutDraw d = dropoutDraw(r.rate);
  const uint32_t seed = (uint32_t)r.seed;
  k.pool().parallelFor(len, GRAIN, [&](int64_t s, int64_t e, int) { fill(m, s, e, seed, d); });
}

}  // namespace dropout
}  // namespace cpu
}  // namespace cn
