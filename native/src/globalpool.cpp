// Global average pooling x [n, hw, c] -> y [n, c] and back (globalpool.cu).
#include "kernel.h"

namespace cn {
namespace globalpool {

const abi::GlobalPool& record(const Call& k) {
  const abi::GlobalPool& r = k.rec<abi::GlobalPool>();
  k.positive(r.n, "n"), k.positive(r.hw, "hw"), k.positive(r.c, "c");
  return r;
}

void forward(const Call& k) {
  const abi::GlobalPool& r = record(k);
  const float* x = k.buf(0, "x", (int64_t)r.n * r.hw * r.c);
  float* y = k.buf(1, "y", (int64_t)r.n * r.c);
  if (!k.launch()) return;
  globalPoolForward(r.n, r.hw, r.c, x, y, k.s());
  k.ran(Path::OWN);
}

void backward(const Call& k) {
  const abi::GlobalPool& r = record(k);
  const float* dy = k.buf(0, "dy", (int64_t)r.n * r.c);
  float* dx = k.buf(1, "dx", (int64_t)r.n * r.hw * r.c);
  if (!k.launch()) return;
  globalPoolBackward(r.n, r.hw, r.c, dy, dx, k.s());
  k.ran(Path::OWN);
}

}  // namespace globalpool
}  // namespace cn
