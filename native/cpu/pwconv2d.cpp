// pwconv2d on the CPU (as src/ts/backends/js/pwconv2d.ts): a 1x1 stride-1 convolution is a GEMM over
// the n*h*w pixels of NHWC x: y = x [P, inC] . w [outC, inC]^T + bias, activation fused; both
// gradients are GEMMs too (gemm.h).
#include "gemm.h"

namespace cn {
namespace cpu {
namespace pwconv2d {

static ConvP pointwise(const Call& k) { return requirePointwise(k.op, convRecord(k)); }

void forward(const Call& k) {
  ConvP p = pointwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  gemm::Problem g;
  g.M = (int64_t)p.n * p.inH * p.inW, g.N = p.outC, g.K = p.inC;
  g.a = x, g.lda = p.inC;
  g.packB = gemm::packBTransposed(k, w, p.inC);
  g.bt = w, g.ldbt = p.inC;
  g.c = y, g.ldc = p.outC, g.bias = bias, g.act = p.act;
  gemm::run(k, g);
}

void backwardData(const Call& k) {
  ConvP p = pointwise(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  gemm::Problem g;  // dx [P, inC] = dy [P, outC] . w [outC, inC]
  g.M = (int64_t)p.n * p.inH * p.inW, g.N = p.inC, g.K = p.outC;
  g.a = dy, g.lda = p.outC;
  g.b = w, g.ldb = p.inC;
  g.c = dx, g.ldc = p.inC;
  gemm::run(k, g);
}

void backwardFilter(const Call& k) {
  ConvP p = pointwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  const int64_t P = (int64_t)p.n * p.inH * p.inW;
  gemm::weightGradient(k, P, p.outC, p.inC, dy, p.outC, x, p.inC, dw);  // split over P when it is long
  if (dbias) gemm::columnSums(k, dy, P, p.outC, p.outC, dbias);
}

}  // namespace pwconv2d
}  // namespace cpu
}  // namespace cn
