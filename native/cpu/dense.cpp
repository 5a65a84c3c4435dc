// dense on the CPU (as src/ts/backends/js/dense.ts): y = x [n, inF] . w [outF, inF]^T + b and both
// gradients, each one GEMM of the packed-panel driver (gemm.h).
#include "gemm.h"

namespace cn {
namespace cpu {
namespace dense {

struct Dims {
  int64_t n, inF, outF;
};
static Dims dims(const Call& k) {
  const abi::Dense& r = k.rec<abi::Dense>();
  return {k.positive(r.n, "n"), k.positive(r.inF, "inF"), k.positive(r.outF, "outF")};
}

void forward(const Call& k) {
  Dims d = dims(k);
  const float* x = k.buf(0, "x", d.n * d.inF);
  const float* w = k.buf(1, "w", d.outF * d.inF);
  const float* b = k.buf(2, "bias", d.outF, true);
  float* y = k.buf(3, "y", d.n * d.outF);
  gemm::layerForward(k, d.n, d.inF, d.outF, x, w, b, 0, y);
}

void backwardData(const Call& k) {
  Dims d = dims(k);
  const float* dy = k.buf(0, "dy", d.n * d.outF);
  const float* w = k.buf(1, "w", d.outF * d.inF);
  float* dx = k.buf(2, "dx", d.n * d.inF);
  gemm::layerBackwardData(k, d.n, d.inF, d.outF, dy, w, dx);
}

void backwardFilter(const Call& k) {
  Dims d = dims(k);
  const float* x = k.buf(0, "x", d.n * d.inF);
  const float* dy = k.buf(1, "dy", d.n * d.outF);
  float* dw = k.buf(2, "dw", d.outF * d.inF);
  float* db = k.buf(3, "dbias", d.outF, true);
  gemm::layerBackwardFilter(k, d.n, d.inF, d.outF, x, dy, dw, db);
}

}  // namespace dense
}  // namespace cpu
}  // namespace cn
