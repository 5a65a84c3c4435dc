// The activation kernels (as src/ts/backends/js/activation.ts), over native/src/activation.h's
// formulas: relu and relu6 as plain loops the compiler vectorises, the rest per element.
#include "activation.h"
#include "kernel.h"
#include "../src/activation.h"

namespace cn {
namespace cpu {
namespace activation {

constexpr int64_t GRAIN = 1 << 14;

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

void forwardRange(int act, const float* x, float* y, int64_t n) {
  switch (act) {
    case abi::ACTIVATION_NONE:
      if (x != y)
        for (int64_t i = 0; i < n; i++) y[i] = x[i];
      return;
    case abi::ACTIVATION_RELU:
    case abi::ACTIVATION_RELU6: {
      // Explicit vectors (x may be y): the scalar form is not reliably vectorised in place, and the
      // fused GEMM epilogues call this on every row they write. max(x, 0) as js: NaN -> 0.
      const v4f zero = {0.f, 0.f, 0.f, 0.f}, six = {6.f, 6.f, 6.f, 6.f};
      const bool r6 = act == abi::ACTIVATION_RELU6;
      int64_t i = 0;
      for (; i + 4 <= n; i += 4) {
        v4f v;
        __builtin_memcpy(&v, x + i, 16);
        v = v > zero ? v : zero;
        if (r6) v = v < six ? v : six;
        __builtin_memcpy(y + i, &v, 16);
      }
      for (; i < n; i++) {
        float v = x[i] > 0.f ? x[i] : 0.f;
        y[i] = r6 && !(v < 6.f) ? 6.f : v;
      }
      return;
    }
    default:
      for (int64_t i = 0; i < n; i++) y[i] = actForward(act, x[i]);
  }
}

void applyInPlace(int act, float* y, int64_t n) {
  if (act != abi::ACTIVATION_NONE) forwardRange(act, y, y, n);
}

const abi::Activation& record(const Call& k) {
  const auto& r = k.rec<abi::Activation>();
  k.require(r.kind > abi::ACTIVATION_NONE && r.kind < abi::ACTIVATION_COUNT,
            "params.kind code " + std::to_string(r.kind) + " is not an activation");
  k.nonNegative(r.length, "length");
  return r;
}

void forward(const Call& k) {
  const auto& r = record(k);
  const float* x = k.buf(0, "x", r.length);
  float* y = k.buf(1, "y", r.length);
  const int act = r.kind;
  k.pool().parallelFor(r.length, GRAIN, [&](int64_t s, int64_t e, int) { forwardRange(act, x + s, y + s, e - s); });
}

// dx = dy * act'(x) for relu and relu6, four lanes at a time with explicit vectors: written as a
// scalar select the compiler keeps a branch (it may not if-convert a multiply under the default
// -ftrapping-math), and a branch per element mispredicts on real data (random signs: ~4 ns an element,
// 7x the vector loop). The product by a 0/1 mask keeps js's arithmetic: NaN dy stays NaN.

void maskedRange(int act, const float* x, const float* dy, float* dx, int64_t n) {
  const v4f zero = {0.f, 0.f, 0.f, 0.f}, six = {6.f, 6.f, 6.f, 6.f}, one = {1.f, 1.f, 1.f, 1.f};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4f xv, dv;
    __builtin_memcpy(&xv, x + i, 16);
    __builtin_memcpy(&dv, dy + i, 16);
    v4i on = xv > zero;
    if (act == abi::ACTIVATION_RELU6) on &= xv < six;
    v4f r = dv * (v4f)((v4i)one & on);
    __builtin_memcpy(dx + i, &r, 16);
  }
  for (; i < n; i++) {
    const bool on = x[i] > 0.f && (act != abi::ACTIVATION_RELU6 || x[i] < 6.f);
    dx[i] = dy[i] * (on ? 1.f : 0.f);
  }
}

void backward(const Call& k) {
  const auto& r = record(k);
  const float* x = k.buf(0, "x", r.length);
  const float* y = k.buf(1, "y", r.length);
  const float* dy = k.buf(2, "dy", r.length);
  float* dx = k.buf(3, "dx", r.length);
  const int act = r.kind;
  k.pool().parallelFor(r.length, GRAIN, [&](int64_t s, int64_t e, int) {
    if (act == abi::ACTIVATION_RELU || act == abi::ACTIVATION_RELU6) {
      maskedRange(act, x + s, dy + s, dx + s, e - s);  // dx may be dy: each lane is read before written
    } else {
      for (int64_t i = s; i < e; i++) dx[i] = actBackward(act, x[i], y[i], dy[i]);
    }
  });
}

}  // namespace activation
}  // namespace cpu
}  // namespace cn
