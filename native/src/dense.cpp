// Dense layer x [n, inF] . w [outF, inF]^T + b: the GEMM layer of pwconv2d.cu (dense.cu adds the bias).
#include "kernel.h"
#include "lib/gemm.h"

namespace cn {
namespace dense {

struct Dims { int n, inF, outF; };
Dims dims(const Call& k) {
  const abi::Dense& r = k.rec<abi::Dense>();
  return {k.positive(r.n, "n"), k.positive(r.inF, "inF"), k.positive(r.outF, "outF")};
}

void forward(const Call& k) {
  Dims d = dims(k);
  const float* x = k.buf(0, "x", (int64_t)d.n * d.inF);
  const float* w = k.buf(1, "w", (int64_t)d.outF * d.inF);
  const float* b = k.buf(2, "bias", d.outF, true);
  float* y = k.buf(3, "y", (int64_t)d.n * d.outF);
  CtxGemm g(k.c, k.op);
  if (!g.runs()) return;
  g(false, true, d.n, d.outF, d.inF, 1.f, x, d.inF, w, d.inF, 0.f, y, d.outF);
  if (k.launch()) biasActKernel(y, d.n, d.outF, d.outF, b, abi::ACTIVATION_NONE, k.s());
  k.ran(g.path());
}

void backwardData(const Call& k) {
  Dims d = dims(k);
  const float* dy = k.buf(0, "dy", (int64_t)d.n * d.outF);
  const float* w = k.buf(1, "w", (int64_t)d.outF * d.inF);
  float* dx = k.buf(2, "dx", (int64_t)d.n * d.inF);
  CtxGemm g(k.c, k.op);
  if (!g.runs()) return;
  gemmLayerBackwardData(d.n, d.inF, d.outF, dy, w, dx, g);
  k.ran(g.path());
}

void backwardFilter(const Call& k) {
  Dims d = dims(k);
  const float* x = k.buf(0, "x", (int64_t)d.n * d.inF);
  const float* dy = k.buf(1, "dy", (int64_t)d.n * d.outF);
  float* dw = k.buf(2, "dw", (int64_t)d.outF * d.inF);
  float* db = k.buf(3, "dbias", d.outF, true);
  CtxGemm g(k.c, k.op);
  if (!g.runs()) return;
  g(true, false, d.outF, d.inF, d.n, 1.f, dy, d.outF, x, d.inF, 0.f, dw, d.inF);
  if (db && k.launch()) {
    Scratch sc(k.c, (size_t)colsumChunks(d.n) * d.outF, k.op.c_str());
    colsum(dy, d.n, d.outF, db, sc.get(), k.s());
  }
  k.ran(g.path());
}

}  // namespace dense
}  // namespace cn
