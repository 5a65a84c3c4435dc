// Pointwise (1x1, stride 1) convolution in NHWC is exactly a GEMM over [rows = n*h*w, inC]: forward
// y = x . w^T (+ bias, activation) and backward filter dw = dy^T . x are GEMM calls in pwconv2d.cpp;
// backward data dx = dy . w is shared with dense.
#include "device.cuh"

namespace cn {

void gemmLayerBackwardData(int rows, int inF, int outF, const float* dy, const float* w, float* dx, Gemm& g) {
  g(false, false, rows, inF, outF, 1.f, dy, outF, w, inF, 0.f, dx, inF);
}

}  // namespace cn
