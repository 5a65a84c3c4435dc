// pwconv2d on the CPU (as src/ts/backends/js/pwconv2d.ts): a 1x1 stride-1 convolution is a GEMM over
// the n*h*w pixels of NHWC x: y = x [P, inC] . w [outC, inC]^T + bias, activation fused; both
// gradients are GEMMs too (gemm.h).
#include "gemm.h"

namespace cn {
namespace cpu {
namespace pwconv2d {

static ConvP pointwise(const Call& k) { return requirePointwise(k.op, convRecord(k)); }

static int64_t pixels(const ConvP& p) { return (int64_t)p.n * p.inH * p.inW; }

void forward(const Call& k) {
  ConvP p = pointwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  gemm::layerForward(k, pixels(p), p.inC, p.outC, x, w, bias, p.act, y);
}

void backwardData(const Call& k) {
  ConvP p = pointwise(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  gemm::layerBackwardData(k, pixels(p), p.inC, p.outC, dy, w, dx);
}

void backwardFilter(const Call& k) {
  ConvP p = pointwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  gemm::layerBackwardFilter(k, pixels(p), p.inC, p.outC, x, dy, dw, dbias);
}

}  // namespace pwconv2d
}  // namespace cpu
}  // namespace cn
