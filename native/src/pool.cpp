// Max / average pooling (torch semantics, as src/ts/backends/js/pool.ts) and torch's adaptive average
// pooling; kernels in pool.cu.
#include "kernel.h"

namespace cn {
namespace pool {

int64_t inLen(const PoolP& p) { return (int64_t)p.n * p.inH * p.inW * p.c; }
int64_t outLen(const PoolP& p) { return (int64_t)p.n * p.outH * p.outW * p.c; }

void max(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* x = k.buf(0, "x", inLen(p));
  float* y = k.buf(1, "y", outLen(p));
  if (!k.launch()) return;
  maxPoolForward(p, x, y, k.s());
  k.ran(Path::OWN);
}

void maxBackward(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* x = k.buf(0, "x", inLen(p));
  const float* dy = k.buf(1, "dy", outLen(p));
  float* dx = k.buf(2, "dx", inLen(p));
  if (!k.launch()) return;
  maxPoolBackward(p, x, dy, dx, k.s());
  k.ran(Path::OWN);
}

void avg(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* x = k.buf(0, "x", inLen(p));
  float* y = k.buf(1, "y", outLen(p));
  if (!k.launch()) return;
  avgPoolForward(p, x, y, k.s());
  k.ran(Path::OWN);
}

void avgBackward(const Call& k) {
  const PoolP& p = checkPool(k.op, k.rec<PoolP>());
  const float* dy = k.buf(0, "dy", outLen(p));
  float* dx = k.buf(1, "dx", inLen(p));
  if (!k.launch()) return;
  avgPoolBackward(p, dy, dx, k.s());
  k.ran(Path::OWN);
}

const AdaptP& adaptive(const Call& k) { return checkAdaptivePool(k.op, k.rec<AdaptP>()); }

void adaptiveAvg(const Call& k) {
  const AdaptP& p = adaptive(k);
  const float* x = k.buf(0, "x", (int64_t)p.n * p.inH * p.inW * p.c);
  float* y = k.buf(1, "y", (int64_t)p.n * p.outH * p.outW * p.c);
  if (!k.launch()) return;
  adaptiveAvgPoolForward(p, x, y, k.s());
  k.ran(Path::OWN);
}

void adaptiveAvgBackward(const Call& k) {
  const AdaptP& p = adaptive(k);
  const float* dy = k.buf(0, "dy", (int64_t)p.n * p.outH * p.outW * p.c);
  float* dx = k.buf(1, "dx", (int64_t)p.n * p.inH * p.inW * p.c);
  if (!k.launch()) return;
  adaptiveAvgPoolBackward(p, dy, dx, k.s());
  k.ran(Path::OWN);
}

}  // namespace pool
}  // namespace cn
