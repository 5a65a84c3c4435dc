// Max / average pooling (torch semantics, as src/ts/backends/js/pool.ts) and torch's adaptive average
// pooling; kernels in pool.cu.
#include "kernel.h"

namespace cn {
namespace pool {

/** The pool2d record with the js reference's checks (a window entirely in padding is an error there too). */
const PoolP& record(const Call& k) {
  const PoolP& p = k.rec<PoolP>();
  const int* v = reinterpret_cast<const int*>(&p);
  for (int i = 0; i < 10; i++) k.positive(v[i], abi::POOL2D_FIELDS[i]);
  for (int i = 10; i < 14; i++) k.nonNegative(v[i], abi::POOL2D_FIELDS[i]);
  if ((int64_t)(p.outH - 1) * p.strideH - p.padTop >= p.inH || (int64_t)(p.outW - 1) * p.strideW - p.padLeft >= p.inW ||
      p.padTop >= p.kH || p.padLeft >= p.kW)
    throw argError(k.op, "a window would lie entirely in padding (in " + std::to_string(p.inH) + "x" +
                             std::to_string(p.inW) + ", out " + std::to_string(p.outH) + "x" + std::to_string(p.outW) +
                             ", kernel " + std::to_string(p.kH) + "x" + std::to_string(p.kW) + ", stride " +
                             std::to_string(p.strideH) + "x" + std::to_string(p.strideW) + ", pad " +
                             std::to_string(p.padTop) + "," + std::to_string(p.padLeft) + ")");
  return p;
}

int64_t inLen(const PoolP& p) { return (int64_t)p.n * p.inH * p.inW * p.c; }
int64_t outLen(const PoolP& p) { return (int64_t)p.n * p.outH * p.outW * p.c; }

void max(const Call& k) {
  const PoolP& p = record(k);
  const float* x = k.buf(0, "x", inLen(p));
  float* y = k.buf(1, "y", outLen(p));
  if (!k.launch()) return;
  maxPoolForward(p, x, y, k.s());
  k.ran(Path::OWN);
}

void maxBackward(const Call& k) {
  const PoolP& p = record(k);
  const float* x = k.buf(0, "x", inLen(p));
  const float* dy = k.buf(1, "dy", outLen(p));
  float* dx = k.buf(2, "dx", inLen(p));
  if (!k.launch()) return;
  maxPoolBackward(p, x, dy, dx, k.s());
  k.ran(Path::OWN);
}

void avg(const Call& k) {
  const PoolP& p = record(k);
  const float* x = k.buf(0, "x", inLen(p));
  float* y = k.buf(1, "y", outLen(p));
  if (!k.launch()) return;
  avgPoolForward(p, x, y, k.s());
  k.ran(Path::OWN);
}

void avgBackward(const Call& k) {
  const PoolP& p = record(k);
  const float* dy = k.buf(0, "dy", outLen(p));
  float* dx = k.buf(1, "dx", inLen(p));
  if (!k.launch()) return;
  avgPoolBackward(p, dy, dx, k.s());
  k.ran(Path::OWN);
}

const AdaptP& adaptive(const Call& k) {
  const AdaptP& p = k.rec<AdaptP>();
  const int* v = reinterpret_cast<const int*>(&p);
  for (int i = 0; i < abi::ADAPTIVE_POOL2D_SLOTS; i++) k.positive(v[i], abi::ADAPTIVE_POOL2D_FIELDS[i]);
  return p;
}

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
