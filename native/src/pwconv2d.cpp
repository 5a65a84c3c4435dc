// Pointwise convolution (1x1, stride 1, no padding, groups 1): a GEMM over [n*h*w, inC] (pwconv2d.cu).
#include "kernel.h"
#include "lib/gemm.h"

namespace cn {
namespace pwconv2d {

ConvP pointwise(const Call& k) { return requirePointwise(k.op, convRecord(k)); }

void forward(const Call& k) {
  ConvP p = pointwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  CtxGemm g(k.c, k.op);
  if (!g.runs()) return;
  const int rows = p.n * p.inH * p.inW;
  g(false, true, rows, p.outC, p.inC, 1.f, x, p.inC, w, p.inC, 0.f, y, p.outC);
  if (k.launch()) biasActKernel(y, rows, p.outC, p.outC, bias, p.act, k.s());
  k.ran(g.path());
}

void backwardData(const Call& k) {
  ConvP p = pointwise(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  CtxGemm g(k.c, k.op);
  if (!g.runs()) return;
  gemmLayerBackwardData(p.n * p.inH * p.inW, p.inC, p.outC, dy, w, dx, g);
  k.ran(g.path());
}

void backwardFilter(const Call& k) {
  ConvP p = pointwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  CtxGemm g(k.c, k.op);
  if (!g.runs()) return;
  const int rows = p.n * p.inH * p.inW;
  g(true, false, p.outC, p.inC, rows, 1.f, dy, p.outC, x, p.inC, 0.f, dw, p.inC);
  if (dbias && k.launch()) {
    Scratch red(k.c, (size_t)colsumChunks(rows) * p.outC, k.op.c_str());
    colsum(dy, rows, p.outC, dbias, red.get(), k.s());
  }
  k.ran(g.path());
}

}  // namespace pwconv2d
}  // namespace cn
