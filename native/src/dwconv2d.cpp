// Depthwise convolution (groups == inC, outC a multiple of inC): always the own kernels of
// dwconv2d.cu (core chose this family; nothing here falls over to another one).
#include "kernel.h"

namespace cn {
namespace dwconv2d {

ConvP depthwise(const Call& k) { return requireDepthwise(k.op, convRecord(k)); }

void forward(const Call& k) {
  ConvP p = depthwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  if (!k.launch()) return;
  dwForward(p, x, w, bias, y, k.s());
  k.ran(Path::OWN);
}

void backwardData(const Call& k) {
  ConvP p = depthwise(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  if (!k.launch()) return;
  dwBackwardData(p, dy, w, dx, k.s());
  k.ran(Path::OWN);
}

void backwardFilter(const Call& k) {
  ConvP p = depthwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  if (!k.launch()) return;
  const int rows = p.n * p.outH * p.outW;
  Scratch red(k.c, dbias ? (size_t)colsumChunks(rows) * p.outC : 0, k.op.c_str());
  dwBackwardFilter(p, x, dy, dw, k.s());
  if (dbias) colsum(dy, rows, p.outC, dbias, red.get(), k.s());
  k.ran(Path::OWN);
}

}  // namespace dwconv2d
}  // namespace cn
