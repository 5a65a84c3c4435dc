// Elementwise kernels on the CPU (as src/ts/backends/js/elementwise.ts): memory-bound loops the
// compiler vectorises, split across the pool in chunks of ELEMS_GRAIN.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace elementwise {

constexpr int64_t ELEMS_GRAIN = 1 << 15;

const abi::Elementwise& record(const Call& k) {
  const auto& r = k.rec<abi::Elementwise>();
  k.nonNegative(r.length, "length");
  k.finite(r.alpha, "alpha");
  return r;
}

void add(const Call& k) {
  const auto& r = record(k);
  const float* a = k.buf(0, "a", r.length);
  const float* b = k.buf(1, "b", r.length);
  float* y = k.buf(2, "y", r.length);
  k.pool().parallelFor(r.length, ELEMS_GRAIN, [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) y[i] = a[i] + b[i];
  });
}

void axpy(const Call& k) {
  const auto& r = record(k);
  const float* x = k.buf(0, "x", r.length);
  float* y = k.buf(1, "y", r.length);
  const float alpha = r.alpha;
  k.pool().parallelFor(r.length, ELEMS_GRAIN, [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) y[i] += alpha * x[i];
  });
}

void scale(const Call& k) {
  const auto& r = record(k);
  const float* x = k.buf(0, "x", r.length);
  float* y = k.buf(1, "y", r.length);
  const float alpha = r.alpha;
  k.pool().parallelFor(r.length, ELEMS_GRAIN, [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) y[i] = alpha * x[i];
  });
}

void mul(const Call& k) {
  const auto& r = record(k);
  const float* a = k.buf(0, "a", r.length);
  const float* b = k.buf(1, "b", r.length);
  float* y = k.buf(2, "y", r.length);
  k.pool().parallelFor(r.length, ELEMS_GRAIN, [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) y[i] = a[i] * b[i];
  });
}

// Sum of squares in double per fixed block of the range (the blocks do not depend on the thread
// count, so the result is the same at any number of threads).
void sumSquares(const Call& k) {
  const auto& r = record(k);
  const float* x = k.buf(0, "x", r.length);
  float* out = k.buf(1, "out", 1);
  const int64_t blocks = (r.length + ELEMS_GRAIN - 1) / ELEMS_GRAIN;
  std::vector<double> part((size_t)blocks);
  k.pool().parallelFor(blocks, 1, [&](int64_t s, int64_t e, int) {
    for (int64_t b = s; b < e; b++) {
      int64_t i0 = b * ELEMS_GRAIN, i1 = i0 + ELEMS_GRAIN < r.length ? i0 + ELEMS_GRAIN : r.length;
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = i0;
      for (; i + 8 <= i1; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += (double)x[i + j] * x[i + j];
      for (; i < i1; i++) acc[0] += (double)x[i] * x[i];
      part[(size_t)b] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
  });
  double s = 0;
  for (double p : part) s += p;
  out[0] = (float)s;
}

}  // namespace elementwise
}  // namespace cpu
}  // namespace cn
