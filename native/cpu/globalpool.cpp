// Global average pooling x [n, hw, c] -> y [n, c] and back (as src/ts/backends/js/globalpool.ts).
// Forward: sums in double per (image, block of GP_CHANNELS channels), the batch-norm micro-kernel's
// column sums (isa/batchnorm.cpp); each output element is summed by one task in a fixed order, so any
// thread count gives the same bits.
#include <algorithm>
#include "kernel.h"

namespace cn {
namespace cpu {
namespace globalpool {

namespace {
constexpr int64_t GP_CHANNELS = 64;
constexpr int64_t ELEMS_GRAIN = 1 << 15;

const abi::GlobalPool& record(const Call& k) {
  const abi::GlobalPool& r = k.rec<abi::GlobalPool>();
  k.positive(r.n, "n"), k.positive(r.hw, "hw"), k.positive(r.c, "c");
  return r;
}
}  // namespace

void forward(const Call& k) {
  const abi::GlobalPool& r = record(k);
  const float* x = k.buf(0, "x", (int64_t)r.n * r.hw * r.c);
  float* y = k.buf(1, "y", (int64_t)r.n * r.c);
  const int64_t c = r.c, hw = r.hw, blocks = (c + GP_CHANNELS - 1) / GP_CHANNELS;
  const int64_t g = std::max<int64_t>(1, ELEMS_GRAIN / (hw * std::min<int64_t>(c, GP_CHANNELS)));
  k.pool().parallelFor(r.n * blocks, g, [&](int64_t s, int64_t e, int) {
    for (int64_t t = s; t < e; t++) {
      const int64_t b = t / blocks, c0 = (t % blocks) * GP_CHANNELS, c1 = std::min(c, c0 + GP_CHANNELS);
      double acc[GP_CHANNELS] = {};
      k.isa().bn->columnSums(x + b * hw * c + c0, hw, c1 - c0, c, acc);
      for (int64_t j = 0; j < c1 - c0; j++) y[b * c + c0 + j] = (float)(acc[j] / (double)hw);
    }
  });
}

void backward(const Call& k) {
  const abi::GlobalPool& r = record(k);
  const float* dy = k.buf(0, "dy", (int64_t)r.n * r.c);
  float* dx = k.buf(1, "dx", (int64_t)r.n * r.hw * r.c);
  const int64_t c = r.c, hw = r.hw;
  const float fhw = (float)hw;  // divided, not multiplied by 1/hw: the reference's rounding
  k.pool().parallelFor(r.n * hw, std::max<int64_t>(1, ELEMS_GRAIN / c), [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) {
      const float* g = dy + (i / hw) * c;
      float* d = dx + i * c;
      for (int64_t j = 0; j < c; j++) d[j] = g[j] / fhw;
    }
  });
}

}  // namespace globalpool
}  // namespace cpu
}  // namespace cn
