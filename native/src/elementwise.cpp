// add, axpy, scale, mul and sumSquares over flat buffers (elementwise.cu).
#include "kernel.h"

namespace cn {
namespace elementwise {

int64_t length(const Call& k) { return k.nonNegative(k.rec<abi::Elementwise>().length, "length"); }

void binary(const Call& k, bool isAdd) {
  const int64_t len = length(k);
  const float* a = k.buf(0, "a", len);
  const float* b = k.buf(1, "b", len);
  float* y = k.buf(2, "y", len);
  if (!k.launch() || !len) return;
  isAdd ? addKernel(len, a, b, y, k.s()) : mulKernel(len, a, b, y, k.s());
  k.ran(Path::OWN);
}

void scaled(const Call& k, bool isAxpy) {
  const int64_t len = length(k);
  const float alpha = k.rec<abi::Elementwise>().alpha;
  const float* x = k.buf(0, "x", len);
  float* y = k.buf(1, "y", len);
  if (!k.launch() || !len) return;
  isAxpy ? axpyKernel(len, alpha, x, y, k.s()) : scaleKernel(len, alpha, x, y, k.s());
  k.ran(Path::OWN);
}

void add(const Call& k) { binary(k, true); }
void mul(const Call& k) { binary(k, false); }
void axpy(const Call& k) { scaled(k, true); }
void scale(const Call& k) { scaled(k, false); }

void sumSquares(const Call& k) {
  const int64_t len = length(k);
  const float* x = k.buf(0, "x", len);
  float* out = k.buf(1, "out", 1);
  if (!k.launch()) return;
  Scratch sc(k.c, SUMSQ_BLOCKS, k.op.c_str());
  sumSquaresKernel(len, x, out, sc.get(), k.s());
  k.ran(Path::OWN);
}

}  // namespace elementwise
}  // namespace cn
